/**
 * The built-in environments: the simulator, trace replay and Kubernetes.
 *
 * @module
 */
import type { Plugin } from "../core/plugin.ts";
import type { CliCommand } from "../core/cli.ts";

/** Every built-in environment plugin. */
export const builtins: Plugin[] = [];

/** CLI commands the environments add. */
export const commands: CliCommand[] = [];
