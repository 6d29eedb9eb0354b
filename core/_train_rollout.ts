import type { Environment, Observation, StepResult } from "./environment.ts";
import type { Policy, Rollout } from "./models.ts";

/** A copy of an observation (environments may reuse their arrays between steps). */
export function _copyObservation(o: Observation): Observation {
  return {
    services: o.services.slice(),
    calls: o.calls.slice(),
    nodes: o.nodes.slice(),
    links: o.links.slice(),
    linkMask: o.linkMask.slice(),
    replicas: o.replicas.slice(),
  };
}

/** A rollout and what the episode's metrics averaged to. */
export interface _Collected {
  rollout: Rollout;
  /** Mean per node and step of the reward, and mean per step of every metric. */
  means: Record<string, number>;
}

/** Options of {@linkcode _collect}. */
export interface _CollectOptions {
  policy: Policy;
  steps: number;
  /** Seed of the next reset of a copy (drawn from the trainer's generator). */
  nextSeed: () => number;
}

/** Resets every copy, then runs `steps` batched steps: one `policy.act` for all copies per step. */
export async function _collect(envs: Environment[], options: _CollectOptions): Promise<_Collected> {
  const { policy, steps: T } = options;
  const C = envs.length;
  const reset = async (c: number) => {
    policy.reset(c);
    return _copyObservation(await envs[c].reset({ seed: options.nextSeed() }));
  };
  const first: Observation[] = [];
  for (let c = 0; c < C; c++) first.push(await reset(c));
  const rollout: Rollout = {
    observations: [first],
    actions: [],
    rewards: [],
    terminated: [],
    truncated: [],
    finalObservations: [],
  };
  const sums: Record<string, number> = {};
  let rewardSum = 0, rewardCount = 0;
  for (let t = 0; t < T; t++) {
    const actions = await policy.act(rollout.observations[t]);
    const results: StepResult[] = await Promise.all(envs.map((env, c) => env.step(actions[c])));
    const next: Observation[] = [], finals: (Observation | undefined)[] = [];
    for (let c = 0; c < C; c++) {
      const r = results[c];
      const observation = _copyObservation(r.observation);
      finals.push(r.truncated && !r.terminated ? observation : undefined);
      const ended = r.terminated || r.truncated;
      next.push(ended && t < T - 1 ? await reset(c) : observation);
      for (const x of r.rewards) {
        rewardSum += x;
        rewardCount++;
      }
      for (const [k, v] of Object.entries(r.metrics)) sums[k] = (sums[k] ?? 0) + v;
    }
    rollout.actions.push(actions);
    rollout.rewards.push(results.map((r) => r.rewards.slice()));
    rollout.terminated.push(results.map((r) => r.terminated));
    rollout.truncated.push(results.map((r) => r.truncated && !r.terminated));
    rollout.finalObservations.push(finals);
    rollout.observations.push(next);
  }
  const means: Record<string, number> = { reward: rewardSum / Math.max(1, rewardCount) };
  for (const [k, v] of Object.entries(sums)) means[k] = v / (T * C);
  return { rollout, means };
}
