/**
 * The stable core of cma: the environment and model contracts, plugin definitions and registry, the
 * pipeline loader, backends, checkpoints, the conformance check and the CLI logic. Nothing here loads
 * TensorFlow.js unless a learned part is created.
 *
 * @example Define and check an environment plugin
 * ```ts ignore
 * import { checkEnvironment, defineEnvironment } from "@cma/autoscaler/core";
 * const plugin = defineEnvironment({ name: "mine", description: "…", create: () => new MyEnv() });
 * const findings = await checkEnvironment(await plugin.create({}, { seed: 1, baseDir: ".", episodeLength: 10 }));
 * ```
 *
 * @module
 */
export * from "./environment.ts";
export * from "./models.ts";
export * from "./plugin.ts";
export * from "./registry.ts";
export * from "./errors.ts";
export * from "./random.ts";
export * from "./backend.ts";
export * from "./pipeline.ts";
export * from "./assemble.ts";
export * from "./checkpoint.ts";
export * from "./check_environment.ts";
export * from "./cli.ts";
export * from "./train.ts";
export * from "./evaluate.ts";
export * from "./report.ts";
export * from "./charts.ts";
export * from "./control_loop.ts";
export * from "./experiment.ts";
