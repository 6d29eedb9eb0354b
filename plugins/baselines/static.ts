/**
 * The `static` policy: fixed replicas per service, whatever the load, clamped to the environment's
 * bounds — the over- or under-provisioned baseline.
 *
 * @module
 */
import type { EnvSpec } from "../../core/environment.ts";
import { InputError } from "../../core/errors.ts";
import type { Policy } from "../../core/models.ts";
import { definePolicy } from "../../core/plugin.ts";
import type { JsonSchema, PolicyPlugin } from "../../core/plugin.ts";

/** Options of the `static` policy. */
export interface StaticOptions {
  /** Replicas of every service (a number), or per service name (services not named keep 1). */
  replicas?: number | Record<string, number>;
}

/** JSON Schema of {@linkcode StaticOptions}. */
export const STATIC_OPTIONS_SCHEMA: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    replicas: {
      default: 1,
      description: "Replicas per service: one number for all, or an object service name → replicas " +
        "(services not named get 1). Clamped to the environment's bounds.",
      oneOf: [
        { type: "integer", minimum: 0 },
        { type: "object", additionalProperties: { type: "integer", minimum: 0 } },
      ],
    },
  },
};

/** The fixed replicas `[A,S]` for `spec`, clamped to its bounds; unknown service names are an error. */
export function staticReplicas(options: StaticOptions, spec: EnvSpec): Int32Array {
  const S = spec.services.length;
  const given = options.replicas ?? 1;
  const perService = new Array<number>(S).fill(1);
  if (typeof given === "number") {
    perService.fill(given);
  } else {
    for (const [name, value] of Object.entries(given)) {
      const s = spec.services.indexOf(name);
      if (s < 0) {
        throw new InputError(
          `static: options.replicas/${name} is not a service of the environment (services: ${
            spec.services.join(", ")
          })`,
        );
      }
      perService[s] = value;
    }
  }
  for (let s = 0; s < S; s++) {
    if (!Number.isInteger(perService[s]) || perService[s] < 0) {
      throw new InputError(`static: options.replicas for ${spec.services[s]} must be an integer ≥ 0`);
    }
  }
  const out = new Int32Array(spec.nodes.length * S);
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.min(spec.maxReplicas[i], Math.max(spec.minReplicas[i], perService[i % S]));
  }
  return out;
}

/** The `static` policy plugin: the same replicas at every step. */
export const staticPlugin: PolicyPlugin<StaticOptions> = definePolicy<StaticOptions>({
  name: "static",
  description: "Fixed replicas per service (one number, or per service name), clamped to the bounds.",
  options: STATIC_OPTIONS_SCHEMA,
  create: (options, context): Policy => {
    const replicas = staticReplicas(options ?? {}, context.spec);
    return {
      reset() {},
      act: (batch) => Promise.resolve(batch.map(() => replicas.slice())),
    };
  },
});
