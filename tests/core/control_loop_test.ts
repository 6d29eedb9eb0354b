import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { runControlLoop } from "../../core/control_loop.ts";
import { STANDARD_SERVICE_FEATURES } from "../../core/environment.ts";
import type { Environment, Observation, StepResult } from "../../core/environment.ts";
import type { ActOptions, Policy } from "../../core/models.ts";

/** Two nodes × two services; a step sets the replicas asked for and rewards −(sum of replicas) per node. */
function fakeEnv(
  options: { truncateEvery?: number; failAt?: number; onStep?: (step: number) => Promise<void> } = {},
) {
  const calls = { resets: 0, steps: 0, closed: 0 };
  const observation = (replicas: Int32Array): Observation => ({
    services: new Float32Array(2 * 2 * 6),
    calls: new Float32Array(8),
    nodes: new Float32Array(2),
    links: new Float32Array(4),
    linkMask: new Uint8Array([1, 1, 1, 1]),
    replicas,
  });
  const env: Environment = {
    spec: {
      nodes: [{ id: "edge-0", kind: "edge", capacity: 8 }, { id: "cloud", kind: "cloud", capacity: 32 }],
      services: ["web", "api"],
      serviceFeatures: [...STANDARD_SERVICE_FEATURES],
      nodeFeatures: ["capacityUsed"],
      minReplicas: new Int32Array([1, 1, 1, 1]),
      maxReplicas: new Int32Array([8, 8, 8, 8]),
      stepSeconds: 15,
      sloMs: 200,
    },
    reset() {
      calls.resets++;
      return Promise.resolve(observation(new Int32Array([1, 1, 1, 1])));
    },
    async step(replicas): Promise<StepResult> {
      if (calls.closed) throw new Error("closed");
      calls.steps++;
      await options.onStep?.(calls.steps);
      if (calls.steps === options.failAt) throw new Error("cluster on fire");
      return {
        observation: observation(replicas.slice()),
        rewards: new Float32Array([-(replicas[0] + replicas[1]), -(replicas[2] + replicas[3])]),
        terminated: false,
        truncated: options.truncateEvery !== undefined && calls.steps % options.truncateEvery === 0,
        metrics: {
          p50LatencyMs: 10,
          p95LatencyMs: 20,
          p99LatencyMs: 30,
          sloViolationRate: 0,
          droppedRate: 0,
          replicas: replicas.reduce((a, b) => a + b, 0),
          cpuSeconds: 0,
          refusedScaleUps: 0,
        },
      };
    },
    close() {
      calls.closed++;
      return Promise.resolve();
    },
  };
  return { env, calls };
}

/** Adds one replica to edge-0/web each step. */
function growingPolicy() {
  const seen = { resets: [] as number[], batches: [] as number[], options: [] as (ActOptions | undefined)[] };
  const policy: Policy = {
    reset: (copy) => seen.resets.push(copy),
    act(batch, options) {
      seen.batches.push(batch.length);
      seen.options.push(options);
      return Promise.resolve(batch.map((o) => {
        const r = o.replicas.slice();
        r[0] += 1;
        return r;
      }));
    },
  };
  return { policy, seen };
}

Deno.test("control loop: resets, asks the policy for a batch of one, steps, logs a JSON line per step", async () => {
  const { env, calls } = fakeEnv();
  const { policy, seen } = growingPolicy();
  const lines: string[] = [];
  const summary = await runControlLoop(env, { policy, log: (l) => lines.push(l), maxSteps: 3 });
  deepEqual(summary, { steps: 3, stoppedBy: "maxSteps" });
  deepEqual(calls, { resets: 1, steps: 3, closed: 1 });
  deepEqual(seen.resets, [0]);
  deepEqual(seen.batches, [1, 1, 1]);
  deepEqual(seen.options[0], { deterministic: true });
  const records = lines.map((l) => JSON.parse(l));
  deepEqual(records.map((r) => r.step), [1, 2, 3]);
  deepEqual(records[2].desired, { "edge-0": { web: 4, api: 1 }, cloud: { web: 1, api: 1 } });
  deepEqual(records[2].replicas, records[2].desired);
  deepEqual(records[2].rewards, { "edge-0": -5, cloud: -2 });
  equal(records[2].metrics.replicas, 7);
  ok(!Number.isNaN(Date.parse(records[0].time)));
  equal(records[0].reset, undefined);
});

Deno.test("control loop: an abort mid-step finishes that step, then closes the environment and returns", async () => {
  const controller = new AbortController();
  const { env, calls } = fakeEnv({
    onStep: async (step) => {
      if (step === 3) {
        controller.abort(); // SIGTERM arrives while step 3 is in flight
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  });
  const { policy } = growingPolicy();
  const lines: string[] = [];
  const summary = await runControlLoop(env, { policy, log: (l) => lines.push(l), signal: controller.signal });
  deepEqual(summary, { steps: 3, stoppedBy: "signal" });
  equal(lines.length, 3);
  equal(JSON.parse(lines[2]).desired["edge-0"].web, 4);
  deepEqual(calls, { resets: 1, steps: 3, closed: 1 });
});

Deno.test("control loop: already aborted means no step, and the environment is still closed", async () => {
  const { env, calls } = fakeEnv();
  const summary = await runControlLoop(env, {
    policy: growingPolicy().policy,
    log: () => {},
    signal: AbortSignal.abort(),
  });
  deepEqual(summary, { steps: 0, stoppedBy: "signal" });
  deepEqual(calls, { resets: 0, steps: 0, closed: 1 });
});

Deno.test("control loop: a truncated episode resets the environment and the policy", async () => {
  const { env, calls } = fakeEnv({ truncateEvery: 2 });
  const { policy, seen } = growingPolicy();
  const lines: string[] = [];
  await runControlLoop(env, { policy, log: (l) => lines.push(l), maxSteps: 4 });
  // resets: the first, after step 2; not after step 4 (the last)
  equal(calls.resets, 2);
  deepEqual(seen.resets, [0, 0]);
  deepEqual(lines.map((l) => JSON.parse(l).reset), [undefined, "truncated", undefined, "truncated"]);
  // after the reset at step 2 the replicas start again from 1: step 3 asks edge-0/web for 2
  equal(JSON.parse(lines[2]).desired["edge-0"].web, 2);
});

Deno.test("control loop: a failing step is rethrown after closing the environment", async () => {
  const { env, calls } = fakeEnv({ failAt: 2 });
  const lines: string[] = [];
  await rejects(
    () => runControlLoop(env, { policy: growingPolicy().policy, log: (l) => lines.push(l), maxSteps: 5 }),
    /cluster on fire/,
  );
  equal(lines.length, 1);
  equal(calls.closed, 1);
});
