/**
 * A conformance check for environments, in the spirit of Gymnasium's `check_env` and PettingZoo's
 * `parallel_api_test`: run it on your own environment plugin before training on it.
 *
 * @example
 * ```ts ignore
 * import { checkEnvironment } from "./check_environment.ts";
 * const findings = await checkEnvironment(myEnvironment);
 * for (const f of findings.filter((f) => !f.ok)) console.log(`${f.name}: ${f.message}`);
 * ```
 *
 * @module
 */
import { STANDARD_METRICS, STANDARD_SERVICE_FEATURES } from "./environment.ts";
import type { Environment, EnvSpec, Observation, StepResult } from "./environment.ts";

/** One named outcome of {@linkcode checkEnvironment}. */
export interface Finding {
  /** Stable name of the check, e.g. `reset-deterministic`. */
  name: string;
  /** True when the environment passed the check. */
  ok: boolean;
  /** What was checked, or what went wrong. */
  message: string;
}

/** The names of every check, in the order they run. */
export const CHECKS = [
  "spec",
  "observation-shape",
  "step-shape",
  "reset-deterministic",
  "step-deterministic",
  "seed-changes-trajectory",
  "rejects-wrong-length",
  "rejects-negative",
  "rejects-non-integer",
  "step-after-close",
] as const;

/** Options of {@linkcode checkEnvironment}. */
export interface CheckOptions {
  /** Seed of the reference episode (default 1). */
  seed?: number;
  /** A seed that must give a different trajectory (default 2). */
  otherSeed?: number;
  /** Steps per compared trajectory (default 5). */
  steps?: number;
  /**
   * Checks not to run (they are reported as passed with a "skipped" message). A live cluster cannot be
   * rewound, so its tests skip `step-deterministic` and `seed-changes-trajectory`.
   */
  skip?: (typeof CHECKS)[number][];
}

/**
 * Runs every check of {@linkcode CHECKS} on `env` and returns one finding per check instead of throwing
 * on the first failure. It resets and steps the environment several times and closes it at the end.
 */
export async function checkEnvironment(
  env: Environment,
  options: CheckOptions = {},
): Promise<Finding[]> {
  const seed = options.seed ?? 1;
  const otherSeed = options.otherSeed ?? 2;
  const steps = options.steps ?? 5;
  const findings: Finding[] = [];
  const skip = new Set<string>(options.skip ?? []);
  const run = async (name: string, check: () => Promise<string> | string) => {
    if (skip.has(name)) {
      findings.push({ name, ok: true, message: "skipped" });
      return;
    }
    try {
      findings.push({ name, ok: true, message: await check() });
    } catch (e) {
      findings.push({ name, ok: false, message: e instanceof Error ? e.message : String(e) });
    }
  };

  const spec = env.spec;
  await run("spec", () => checkSpec(spec));
  await run("observation-shape", async () => {
    checkObservation(spec, await env.reset({ seed }), "reset()");
    return "reset() returns arrays of the spec's sizes with finite values";
  });
  await run("step-shape", async () => {
    const obs = await env.reset({ seed });
    const result = await env.step(obs.replicas.slice());
    checkStepResult(spec, result);
    return "step() returns rewards [A], the standard metrics and a valid observation";
  });
  await run("reset-deterministic", async () => {
    const a = await env.reset({ seed });
    const b = await env.reset({ seed });
    const diff = firstDifference(a, b);
    if (diff) throw new Error(`reset({ seed: ${seed} }) twice gave different ${diff}`);
    return "the same seed gives the same first observation";
  });
  await run("step-deterministic", async () => {
    const a = await trajectory(env, { seed, steps });
    const b = await trajectory(env, { seed, steps });
    const diff = compareTrajectories(a, b);
    if (diff) throw new Error(`the same seed and actions gave different trajectories: ${diff}`);
    return `the same seed and actions give the same ${steps}-step trajectory`;
  });
  await run("seed-changes-trajectory", async () => {
    const a = await trajectory(env, { seed, steps });
    const b = await trajectory(env, { seed: otherSeed, steps });
    if (!compareTrajectories(a, b)) {
      throw new Error(`seeds ${seed} and ${otherSeed} gave identical ${steps}-step trajectories`);
    }
    return `seeds ${seed} and ${otherSeed} give different trajectories`;
  });
  const size = spec.nodes.length * spec.services.length;
  const rejects = (name: string, action: () => Int32Array, what: string) =>
    run(name, async () => {
      await env.reset({ seed });
      let threw: unknown;
      try {
        await env.step(action());
      } catch (e) {
        threw = e;
      }
      if (threw === undefined) throw new Error(`step() accepted ${what}`);
      if (!(threw instanceof Error) || threw.message.length === 0) {
        throw new Error(`step() rejected ${what} without an Error message`);
      }
      return `step() rejects ${what}: ${threw.message}`;
    });
  await rejects(
    "rejects-wrong-length",
    () => new Int32Array(size + 1).fill(1),
    "an action of the wrong length",
  );
  await rejects("rejects-negative", () => new Int32Array(size).fill(-1), "negative replicas");
  await rejects(
    "rejects-non-integer",
    () => new Float64Array(size).fill(1.5) as unknown as Int32Array,
    "non-integer replicas",
  );
  await run("step-after-close", async () => {
    const obs = await env.reset({ seed });
    await env.close();
    let threw: unknown;
    try {
      await env.step(obs.replicas.slice());
    } catch (e) {
      threw = e;
    }
    if (!(threw instanceof Error)) throw new Error("step() after close() did not throw an Error");
    return `step() after close() fails: ${threw.message}`;
  });
  return findings;
}

function checkSpec(spec: EnvSpec): string {
  const a = spec.nodes.length, s = spec.services.length;
  if (a === 0) throw new Error("spec.nodes is empty");
  if (s === 0) throw new Error("spec.services is empty");
  if (new Set(spec.nodes.map((n) => n.id)).size !== a) throw new Error("spec.nodes ids are not unique");
  if (new Set(spec.services).size !== s) throw new Error("spec.services are not unique");
  STANDARD_SERVICE_FEATURES.forEach((name, i) => {
    if (spec.serviceFeatures[i] !== name) {
      throw new Error(`spec.serviceFeatures[${i}] must be "${name}" (got "${spec.serviceFeatures[i]}")`);
    }
  });
  for (const key of ["minReplicas", "maxReplicas"] as const) {
    if (!(spec[key] instanceof Int32Array) || spec[key].length !== a * s) {
      throw new Error(`spec.${key} must be an Int32Array of A*S = ${a * s}`);
    }
  }
  for (let i = 0; i < a * s; i++) {
    if (spec.minReplicas[i] < 0 || spec.minReplicas[i] > spec.maxReplicas[i]) {
      throw new Error(`spec.minReplicas[${i}] must be within [0, maxReplicas[${i}]]`);
    }
  }
  if (!(spec.stepSeconds > 0)) throw new Error("spec.stepSeconds must be > 0");
  if (!(spec.sloMs > 0)) throw new Error("spec.sloMs must be > 0");
  return `${a} nodes, ${s} services, ${spec.serviceFeatures.length} service features`;
}

function checkObservation(spec: EnvSpec, obs: Observation, where: string): void {
  const a = spec.nodes.length, s = spec.services.length;
  const sizes: [keyof Observation, number, unknown][] = [
    ["services", a * s * spec.serviceFeatures.length, Float32Array],
    ["calls", a * s * s, Float32Array],
    ["nodes", a * spec.nodeFeatures.length, Float32Array],
    ["links", a * a, Float32Array],
    ["linkMask", a * a, Uint8Array],
    ["replicas", a * s, Int32Array],
  ];
  for (const [key, n, type] of sizes) {
    const arr = obs[key];
    if (!(arr instanceof (type as typeof Float32Array))) {
      throw new Error(`${where}: observation.${key} must be a ${(type as { name: string }).name}`);
    }
    if (arr.length !== n) {
      throw new Error(`${where}: observation.${key} has ${arr.length} values, expected ${n}`);
    }
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i])) throw new Error(`${where}: observation.${key}[${i}] is not finite`);
    }
  }
  for (let i = 0; i < a; i++) {
    if (obs.links[i * a + i] !== 0) throw new Error(`${where}: observation.links diagonal must be 0`);
    if (obs.linkMask[i * a + i] !== 1) throw new Error(`${where}: observation.linkMask diagonal must be 1`);
  }
}

function checkStepResult(spec: EnvSpec, result: StepResult): void {
  const a = spec.nodes.length;
  if (!(result.rewards instanceof Float32Array) || result.rewards.length !== a) {
    throw new Error(`step(): rewards must be a Float32Array of A = ${a}`);
  }
  if (!result.rewards.every(Number.isFinite)) throw new Error("step(): rewards must be finite");
  if (typeof result.terminated !== "boolean" || typeof result.truncated !== "boolean") {
    throw new Error("step(): terminated and truncated must be booleans");
  }
  for (const name of STANDARD_METRICS) {
    if (!Number.isFinite(result.metrics?.[name])) {
      throw new Error(`step(): metrics.${name} is missing or not finite`);
    }
  }
  checkObservation(spec, result.observation, "step()");
}

interface Trajectory {
  observations: Observation[];
  rewards: Float32Array[];
}

async function trajectory(env: Environment, options: { seed: number; steps: number }): Promise<Trajectory> {
  const { spec } = env;
  let obs = await env.reset({ seed: options.seed });
  const out: Trajectory = { observations: [obs], rewards: [] };
  for (let t = 0; t < options.steps; t++) {
    // A fixed action schedule: scale every service up by one on even steps, back down on odd ones.
    const action = obs.replicas.slice();
    for (let i = 0; i < action.length; i++) {
      const target = t % 2 === 0 ? action[i] + 1 : action[i] - 1;
      action[i] = Math.min(spec.maxReplicas[i], Math.max(spec.minReplicas[i], target));
    }
    const result = await env.step(action);
    obs = result.observation;
    out.observations.push(obs);
    out.rewards.push(result.rewards);
    if (result.terminated || result.truncated) break;
  }
  return out;
}

function firstDifference(a: Observation, b: Observation): string | undefined {
  for (const key of ["services", "calls", "nodes", "links", "linkMask", "replicas"] as const) {
    const x = a[key], y = b[key];
    if (x.length !== y.length) return `observation.${key} lengths`;
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], y[i])) return `observation.${key}[${i}] (${x[i]} vs ${y[i]})`;
    }
  }
  return undefined;
}

function compareTrajectories(a: Trajectory, b: Trajectory): string | undefined {
  if (a.observations.length !== b.observations.length) return "different lengths";
  // The first observation is reset()'s, which "reset-deterministic" checks on its own.
  for (let t = 1; t < a.observations.length; t++) {
    const diff = firstDifference(a.observations[t], b.observations[t]);
    if (diff) return `step ${t}: ${diff}`;
  }
  for (let t = 0; t < a.rewards.length; t++) {
    for (let i = 0; i < a.rewards[t].length; i++) {
      if (!Object.is(a.rewards[t][i], b.rewards[t][i])) return `step ${t + 1}: rewards[${i}]`;
    }
  }
  return undefined;
}
