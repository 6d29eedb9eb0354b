/**
 * cma — collaborative, learned autoscaling of microservices across edge-cloud nodes.
 *
 * Every edge or cloud node is an agent that scales the replicas of the services it hosts. A pipeline
 * (one JSON file) wires an environment (the simulator, a trace replay, a Kubernetes cluster, or your
 * own), CMA's dependency attention (encoder) and information attention (filter), and a policy (GR-MAPPO,
 * or a rule such as the Kubernetes HPA).
 *
 * @example Load a pipeline and list the built-in plugins
 * ```ts
 * import { createRegistry, loadPipeline } from "./mod.ts";
 * const registry = createRegistry();
 * console.log(registry.list().map((p) => `${p.kind} ${p.name}`).join("\n"));
 * const loaded = await loadPipeline("examples/pipelines/custom-env.json");
 * console.assert(loaded.config.env.plugin === "../plugins/edge_queue_env.ts");
 * ```
 *
 * @module
 */
import { loadPipeline as loadWith } from "./core/pipeline.ts";
import type { LoadedPipeline } from "./core/pipeline.ts";
import { PluginRegistry } from "./core/registry.ts";
import type { CliCommand } from "./core/cli.ts";
import { builtins as envBuiltins, commands as envCommands } from "./envs/mod.ts";
import { builtins as pluginBuiltins } from "./plugins/mod.ts";

export * from "./core/mod.ts";
export * from "./plugins/cma/mod.ts";
export * from "./plugins/ablation/mod.ts";
export * from "./plugins/baselines/mod.ts";
export * from "./envs/simulator/mod.ts";
export * from "./envs/k8s/mod.ts";
export * from "./envs/trace/mod.ts";

/** A new registry holding every built-in plugin; register your own on it. */
export function createRegistry(): PluginRegistry {
  return new PluginRegistry().register(...envBuiltins, ...pluginBuiltins);
}

/** Extra CLI commands the built-in environments add (e.g. `trace-summary`). */
export const commands: CliCommand[] = [...envCommands];

/**
 * Reads, validates and resolves a pipeline file; plugin names resolve against `registry` (default: the
 * built-ins). Errors name the file and the JSON path.
 */
export function loadPipeline(
  path: string,
  options: { registry?: PluginRegistry } = {},
): Promise<LoadedPipeline> {
  return loadWith(path, { registry: options.registry ?? createRegistry() });
}
