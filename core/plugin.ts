/**
 * Plugins: typed objects made by a factory that the pipeline names. Four kinds: `environment`, `encoder`,
 * `filter` and `policy`.
 *
 * @example Define an environment plugin
 * ```ts
 * import { defineEnvironment } from "./plugin.ts";
 * const plugin = defineEnvironment({
 *   name: "my-cluster",
 *   description: "A cluster of mine.",
 *   options: { type: "object", properties: { url: { type: "string" } }, required: ["url"] },
 *   create(_options, _context) {
 *     throw new Error("not in this example");
 *   },
 * });
 * console.assert(plugin.kind === "environment");
 * ```
 *
 * @module
 */
import type { Environment, EnvSpec } from "./environment.ts";
import type { DependencyEncoder, MessageFilter, Policy } from "./models.ts";

/** A JSON Schema (draft 2020-12) describing a plugin's options object. */
export type JsonSchema = Record<string, unknown>;

/** The kinds of plugin a pipeline wires together. */
export type PluginKind = "environment" | "encoder" | "filter" | "policy";

/** The kinds, in pipeline order. */
export const PLUGIN_KINDS: readonly PluginKind[] = ["environment", "encoder", "filter", "policy"];

/** What every plugin factory receives besides its options. */
export interface BaseContext {
  /** The run's seed; derive every random source of the plugin from it. */
  seed: number;
  /** Directory relative paths in options resolve against (the pipeline file's folder). */
  baseDir: string;
}

/** Context of an environment factory. */
export interface EnvironmentContext extends BaseContext {
  /** Steps after which an episode is truncated (from the pipeline's `train` or `eval` section). */
  episodeLength: number;
}

/** Context of an encoder factory. */
export interface EncoderContext extends BaseContext {
  /** The environment's spec (services and feature names). */
  spec: EnvSpec;
}

/** Context of a filter factory. */
export interface FilterContext extends BaseContext {
  /** The environment's spec. */
  spec: EnvSpec;
  /** Width of the node vectors the filter receives (the encoder's `hidden`). */
  inputWidth: number;
}

/** Context of a policy factory. */
export interface PolicyContext extends BaseContext {
  /** The environment's spec. */
  spec: EnvSpec;
  /** The pipeline's encoder, when it has one; a learned policy trains and saves it. */
  encoder?: DependencyEncoder;
  /** The pipeline's message filter, when it has one. */
  filter?: MessageFilter;
}

/** Fields every plugin definition has. */
export interface PluginDefinition<O, C, T> {
  /** The registry name (`simulator`, `cma/gr-mappo`, …). */
  name: string;
  /** One sentence on what it is, shown by `deno task plugins`. */
  description: string;
  /** JSON Schema of the options object; defaults in it are filled in when the pipeline loads. */
  options?: JsonSchema;
  /** Makes an instance from validated options (defaults filled in). */
  create(options: O, context: C): T | Promise<T>;
}

// deno-lint-ignore no-explicit-any
type AnyOptions = any;

/** An environment plugin. */
export interface EnvironmentPlugin<O = AnyOptions>
  extends PluginDefinition<O, EnvironmentContext, Environment> {
  /** Always `"environment"`. */
  kind: "environment";
}
/** A dependency-encoder plugin. */
export interface EncoderPlugin<O = AnyOptions>
  extends PluginDefinition<O, EncoderContext, DependencyEncoder> {
  /** Always `"encoder"`. */
  kind: "encoder";
}
/** A message-filter plugin. */
export interface FilterPlugin<O = AnyOptions> extends PluginDefinition<O, FilterContext, MessageFilter> {
  /** Always `"filter"`. */
  kind: "filter";
}
/** A policy plugin (learned or rule-based). */
export interface PolicyPlugin<O = AnyOptions> extends PluginDefinition<O, PolicyContext, Policy> {
  /** Always `"policy"`. */
  kind: "policy";
  /**
   * Parts the policy needs in its context: a learned policy lists `"encoder"` and `"filter"`, and the
   * pipeline's (or a compare entry's) are then created for it; rule-based policies list none.
   */
  requires?: ("encoder" | "filter")[];
}

/** Any plugin. */
export type Plugin = EnvironmentPlugin | EncoderPlugin | FilterPlugin | PolicyPlugin;

/** Defines an environment plugin. */
export function defineEnvironment<O = AnyOptions>(
  definition: PluginDefinition<O, EnvironmentContext, Environment>,
): EnvironmentPlugin<O> {
  return { ...definition, kind: "environment" };
}

/** Defines a dependency-encoder plugin. */
export function defineEncoder<O = AnyOptions>(
  definition: PluginDefinition<O, EncoderContext, DependencyEncoder>,
): EncoderPlugin<O> {
  return { ...definition, kind: "encoder" };
}

/** Defines a message-filter plugin. */
export function defineFilter<O = AnyOptions>(
  definition: PluginDefinition<O, FilterContext, MessageFilter>,
): FilterPlugin<O> {
  return { ...definition, kind: "filter" };
}

/** Defines a policy plugin. */
export function definePolicy<O = AnyOptions>(
  definition: PluginDefinition<O, PolicyContext, Policy> & { requires?: ("encoder" | "filter")[] },
): PolicyPlugin<O> {
  return { ...definition, kind: "policy" };
}
