/**
 * Internal: the options of the attention and ablation plugins. Each plugin's options are a flat JSON
 * Schema (draft 2020-12, `additionalProperties: false`, defaults and descriptions). The pipeline loader
 * validates them with ajv; {@linkcode _resolveOptions} checks them again (plugins may be created directly)
 * and fills in the defaults, throwing an {@linkcode InputError} that names the plugin and the option.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";
import type { JsonSchema } from "../../core/plugin.ts";

/** One option of a flat schema (only the keywords these plugins use). */
export interface _OptionSchema {
  /** JSON type. */
  type?: "integer" | "number" | "boolean";
  /** Allowed values. */
  enum?: readonly (string | number | boolean)[];
  /** Inclusive lower bound. */
  minimum?: number;
  /** Exclusive lower bound. */
  exclusiveMinimum?: number;
  /** Exclusive upper bound. */
  exclusiveMaximum?: number;
  /** Default value. */
  default?: unknown;
  /** What the option does. */
  description: string;
}

/** A flat options schema. */
export interface _OptionsSchema extends JsonSchema {
  /** Always `"object"`. */
  type: "object";
  /** Always false: unknown keys are errors. */
  additionalProperties: false;
  /** The options. */
  properties: Record<string, _OptionSchema>;
}

/** Builds a flat, closed options schema from its properties. */
export function _optionsSchema(properties: Record<string, _OptionSchema>): _OptionsSchema {
  return { type: "object", additionalProperties: false, properties };
}

/** Reusable option definitions. */
export const _OPTION = {
  hidden: (dflt: number): _OptionSchema => ({
    type: "integer",
    minimum: 1,
    default: dflt,
    description: "Output width H (with concatenated heads, each head has hidden/heads channels).",
  }),
  heads: (dflt: number): _OptionSchema => ({
    type: "integer",
    minimum: 1,
    default: dflt,
    description: "Number of attention heads.",
  }),
  layers: (dflt: number): _OptionSchema => ({
    type: "integer",
    minimum: 1,
    default: dflt,
    description: "Number of stacked layers (the activation goes between them).",
  }),
  concat: {
    type: "boolean",
    default: true,
    description: "Concatenate the heads (true) or average them (false, each head then has hidden channels).",
  } as _OptionSchema,
  dropout: {
    type: "number",
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0,
    description: "Attention dropout rate while training, in [0, 1).",
  } as _OptionSchema,
  activation: {
    enum: ["elu", "relu"],
    default: "elu",
    description: "Activation between stacked layers.",
  } as _OptionSchema,
};

function describeType(p: _OptionSchema): string {
  if (p.enum) return `one of ${p.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const bounds: string[] = [];
  if (p.minimum !== undefined) bounds.push(`≥ ${p.minimum}`);
  if (p.exclusiveMinimum !== undefined) bounds.push(`> ${p.exclusiveMinimum}`);
  if (p.exclusiveMaximum !== undefined) bounds.push(`< ${p.exclusiveMaximum}`);
  const kind = p.type === "integer" ? "an integer" : p.type === "number" ? "a number" : "a boolean";
  return [kind, ...bounds].join(" ");
}

function valid(p: _OptionSchema, value: unknown): boolean {
  if (p.enum) return p.enum.includes(value as string);
  if (p.type === "boolean") return typeof value === "boolean";
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (p.type === "integer" && !Number.isInteger(value)) return false;
  if (p.minimum !== undefined && value < p.minimum) return false;
  if (p.exclusiveMinimum !== undefined && value <= p.exclusiveMinimum) return false;
  if (p.exclusiveMaximum !== undefined && value >= p.exclusiveMaximum) return false;
  return true;
}

/**
 * Checks `options` against `schema` and returns them with the defaults filled in; `plugin` names the
 * plugin in error messages.
 */
export function _resolveOptions<T>(schema: _OptionsSchema, input: { options: unknown; plugin: string }): T {
  const { options, plugin } = input;
  const given = options ?? {};
  if (typeof given !== "object" || Array.isArray(given)) {
    throw new InputError(`${plugin}: options must be an object, got ${JSON.stringify(options)}`);
  }
  const record = given as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(key in schema.properties)) {
      throw new InputError(
        `${plugin}: unknown option "${key}"; known: ${Object.keys(schema.properties).join(", ")}`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, p] of Object.entries(schema.properties)) {
    const value = record[key] === undefined ? p.default : record[key];
    if (value === undefined) continue;
    if (!valid(p, value)) {
      throw new InputError(
        `${plugin}: option "${key}" must be ${describeType(p)} (got ${JSON.stringify(value)})`,
      );
    }
    out[key] = value;
  }
  return out as T;
}

/** Throws an {@linkcode InputError} when concatenated heads cannot split `hidden` evenly. */
export function _checkHeads(
  options: { hidden: number; heads: number; concat: boolean },
  plugin: string,
): void {
  if (options.concat && options.hidden % options.heads !== 0) {
    throw new InputError(
      `${plugin}: option "hidden" (${options.hidden}) must be divisible by "heads" (${options.heads}) ` +
        `when "concat" is true (each head gets hidden/heads channels)`,
    );
  }
}
