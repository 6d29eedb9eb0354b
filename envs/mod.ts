/**
 * The built-in environments: the simulator, trace replay and Kubernetes.
 *
 * @module
 */
import type { Plugin } from "../core/plugin.ts";
import type { CliCommand } from "../core/cli.ts";
import { simulatorPlugin } from "./simulator/mod.ts";
import { k8sPlugin } from "./k8s/mod.ts";
import { tracePlugin, traceSummaryCommand } from "./trace/mod.ts";

export * from "./simulator/mod.ts";
export * from "./k8s/mod.ts";
export * from "./trace/mod.ts";

/** Every built-in environment plugin. */
export const builtins: Plugin[] = [simulatorPlugin, tracePlugin, k8sPlugin];

/** CLI commands the environments add. */
export const commands: CliCommand[] = [traceSummaryCommand];
