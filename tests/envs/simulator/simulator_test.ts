import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { STANDARD_METRICS } from "../../../core/environment.ts";
import { InputError, RuntimeError } from "../../../core/errors.ts";
import { feature, simulator, svc, topology } from "./_helpers.ts";

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`,
  );

// a → b (2 calls per request) → c (1 call): arrivals 100, 200, 200 for 100 req/s entering at a.
const chain = topology({
  services: [svc("a"), svc("b"), svc("c")],
  edges: [{ from: "a", to: "b", calls: 2 }, { from: "b", to: "c" }],
});

Deno.test("load propagates down a three-service chain, weighted by calls per request", async () => {
  const sim = await simulator(chain, { edgeNodes: 1, rate: 100 });
  deepEqual(sim.spec.nodes.map((n) => n.id), ["edge-0", "cloud"]);
  const obs = await sim.reset({ seed: 1 });
  const rate = (node: number, service: number) => feature(sim, obs, { node, service, name: "arrivalRate" });
  deepEqual([rate(0, 0), rate(0, 1), rate(0, 2)], [100, 200, 200]);
  deepEqual([rate(1, 0), rate(1, 1), rate(1, 2)], [0, 0, 0], "nothing reaches the cloud");
  // Observed call rates on edge-0: a→b 200, b→c 200, nothing else.
  const s = 3, calls = [...obs.calls.subarray(0, s * s)];
  deepEqual(calls, [0, 200, 0, 0, 0, 200, 0, 0, 0]);
  // cpuUtilization = arrivals / (ready · μ) = 200 / 1000.
  near(feature(sim, obs, { node: 0, service: 1, name: "cpuUtilization" }), 0.2, 1e-6, "utilisation of b");
});

Deno.test("load beyond capacity is dropped and counted", async () => {
  // b serves 150 req/s with its one replica but receives 200: 50 dropped, and c only gets 150.
  const spec = topology({
    services: [svc("a"), svc("b", 150), svc("c")],
    edges: [{ from: "a", to: "b", calls: 2 }, { from: "b", to: "c" }],
  });
  const sim = await simulator(spec, {
    edgeNodes: 1,
    rate: 100,
    rewardWeights: { latency: 0, violations: 0, cost: 0, churn: 0 },
  });
  const obs = await sim.reset({ seed: 1 });
  const at = (service: number, name: string) => feature(sim, obs, { node: 0, service, name });
  equal(at(1, "droppedRate"), 50);
  near(at(1, "cpuUtilization"), 200 / 150, 1e-6, "offered utilisation of b");
  equal(at(2, "arrivalRate"), 150);
  const { metrics, rewards } = await sim.step(obs.replicas);
  equal(metrics.droppedCallRate, 50);
  // A request makes two calls to b, each dropped with probability 50/200: it succeeds with 0.75² = 0.5625.
  near(metrics.droppedRate, 100 * (1 - 0.5625), 1e-9, "failed requests per second");
  near(rewards[0], -0.4375, 1e-6, "edge-0 is charged for its failed requests");
  equal(rewards[1], 0, "the cloud has no requests entering and no reward weight on cost");
});

Deno.test("a remote call pays the round trip exactly once per remote hop", async () => {
  // Services are fast (1 µs), so the latency is the network: edge↔cloud one-way 20 ms.
  const fast = (n: string) => svc(n, 1e6);
  const spec = topology({
    services: [fast("a"), fast("b"), fast("c")],
    edges: [{ from: "a", to: "b" }, { from: "b", to: "c" }],
    sloMs: 1000,
  });
  // b only in the cloud, c only at the edge: edge→cloud (a→b) and cloud→edge (b→c), 2 × 40 ms.
  let sim = await simulator(spec, {
    edgeNodes: 1,
    edgeCloudMs: 20,
    hosts: { "edge-0": ["a", "c"], cloud: ["b"] },
  });
  let { metrics } = await sim.step((await sim.reset({ seed: 3 })).replicas);
  near(metrics.p50LatencyMs, 80, 0.05, "two remote hops");
  near(metrics.p99LatencyMs, 80, 0.1, "two remote hops, p99");
  equal(metrics.remoteCallRate, 200);
  // b and c both in the cloud: one remote hop, 40 ms.
  sim = await simulator(spec, {
    edgeNodes: 1,
    edgeCloudMs: 20,
    hosts: { "edge-0": ["a"], cloud: ["b", "c"] },
  });
  ({ metrics } = await sim.step((await sim.reset({ seed: 3 })).replicas));
  near(metrics.p50LatencyMs, 40, 0.05, "one remote hop");
  // Everything local: no network at all.
  sim = await simulator(spec, { edgeNodes: 1, edgeCloudMs: 20 });
  ({ metrics } = await sim.step((await sim.reset({ seed: 3 })).replicas));
  near(metrics.p99LatencyMs, 0, 0.05, "no remote hop");
});

Deno.test("parallel callees take the slowest, sequential ones add up", async () => {
  // a (edge-0) calls b (cloud, 2 × 20 ms) and c (edge-1, 2 × 5 ms); the load enters at edge-0 only.
  const fast = (n: string) => svc(n, 1e6);
  const make = (parallel: boolean) =>
    simulator(
      topology({
        services: [fast("a"), fast("b"), fast("c")],
        edges: [{ from: "a", to: "b", parallel }, { from: "a", to: "c", parallel }],
        sloMs: 1000,
      }),
      {
        edgeNodes: 2,
        edgeEdgeMs: 5,
        edgeCloudMs: 20,
        loadSplit: [1, 0],
        hosts: { "edge-0": ["a"], "edge-1": ["c"], cloud: ["b"] },
      },
    );
  for (const [parallel, expected] of [[false, 50], [true, 40]] as const) {
    const sim = await make(parallel);
    const { metrics } = await sim.step((await sim.reset({ seed: 5 })).replicas);
    near(metrics.p50LatencyMs, expected, 0.05, parallel ? "parallel" : "sequential");
  }
});

Deno.test("new replicas become ready after the start-up delay; scale-down is immediate", async () => {
  const sim = await simulator(chain, { edgeNodes: 1, startupDelaySteps: 2 });
  let obs = await sim.reset({ seed: 1 });
  const ready = () => feature(sim, obs, { node: 0, service: 0, name: "readyReplicas" });
  const up = obs.replicas.slice();
  up[0] = 3;
  let result = await sim.step(up);
  obs = result.observation;
  deepEqual([obs.replicas[0], ready(), result.metrics.pendingReplicas], [3, 1, 2]);
  obs = (await sim.step(up)).observation;
  equal(ready(), 1, "still starting after one more step");
  obs = (await sim.step(up)).observation;
  equal(ready(), 3, "ready two steps after the request");
  const down = up.slice();
  down[0] = 1;
  obs = (await sim.step(down)).observation;
  deepEqual([obs.replicas[0], ready()], [1, 1]);
  // Scaling down while replicas are starting stops the starting ones first.
  up[0] = 4;
  await sim.step(up);
  down[0] = 2;
  result = await sim.step(down);
  obs = result.observation;
  deepEqual([obs.replicas[0], ready(), result.metrics.pendingReplicas], [2, 1, 1]);
});

Deno.test("start-up delay in seconds rounds up to whole steps", async () => {
  const sim = await simulator(chain, { edgeNodes: 1, startupDelaySeconds: 20, stepSeconds: 15 });
  let obs = await sim.reset({ seed: 1 });
  const up = obs.replicas.slice();
  up[0] = 2;
  obs = (await sim.step(up)).observation;
  equal(feature(sim, obs, { node: 0, service: 0, name: "readyReplicas" }), 1);
  obs = (await sim.step(up)).observation;
  equal(feature(sim, obs, { node: 0, service: 0, name: "readyReplicas" }), 1);
  obs = (await sim.step(up)).observation;
  equal(feature(sim, obs, { node: 0, service: 0, name: "readyReplicas" }), 2);
});

Deno.test("actions are clamped to max replicas and node capacity; refusals are counted", async () => {
  const sim = await simulator(chain, { edgeNodes: 1, edgeCapacity: 5, maxReplicas: 3, startupDelaySteps: 0 });
  deepEqual([...sim.spec.maxReplicas], [3, 3, 3, 3, 3, 3]);
  await sim.reset({ seed: 1 });
  // Edge asks 4 each: 3 refused by max; then +2 each from 3 used with room for 2 more: round robin
  // grants a and b one each, 4 refused → [2, 2, 1], 7 refused in total.
  const { observation, metrics } = await sim.step(Int32Array.from([4, 4, 4, 1, 1, 1]));
  deepEqual([...observation.replicas], [2, 2, 1, 1, 1, 1]);
  equal(metrics.refusedScaleUps, 7);
  equal(metrics.replicas, 8);
  near(observation.nodes[0], 5 / 5, 1e-6, "capacityUsed of edge-0");
  // Within bounds nothing is refused.
  const next = await sim.step(Int32Array.from([1, 1, 1, 2, 0, 3]));
  deepEqual([...next.observation.replicas], [1, 1, 1, 2, 0, 3]);
  equal(next.metrics.refusedScaleUps, 0);
});

Deno.test("same seed and actions give the same trajectory; another seed a different one", async () => {
  const sim = await simulator(chain, { edgeNodes: 2, workload: { type: "diurnal", rate: 300, noise: 0.1 } });
  const run = async (seed: number) => {
    const obs = await sim.reset({ seed });
    const out: number[] = [...obs.services, ...obs.nodes];
    for (let t = 0; t < 6; t++) {
      const action = obs.replicas.map((r, i) => r + ((t + i) % 2));
      const r = await sim.step(action);
      out.push(...r.observation.services, ...r.observation.nodes, ...r.rewards, ...Object.values(r.metrics));
    }
    return out;
  };
  const a = await run(11), b = await run(11), c = await run(12);
  deepEqual(a, b);
  ok(a.some((v, i) => v !== c[i]), "seed 12 gave the same trajectory as seed 11");
});

Deno.test("malformed actions, stepping before reset and after close are clear errors", async () => {
  const sim = await simulator(chain, { edgeNodes: 1 });
  await rejects(() => sim.step(new Int32Array(6)), RuntimeError, "before reset");
  await sim.reset({ seed: 1 });
  await rejects(
    () => sim.step(new Int32Array(5)),
    (e: Error) => e instanceof InputError && /5 values.*6/.test(e.message),
  );
  await rejects(
    () => sim.step(Int32Array.from([1, 1, -1, 1, 1, 1])),
    (e: Error) => e instanceof InputError && /action\[2\].*edge-0.*service c.*≥ 0/.test(e.message),
  );
  await rejects(
    () => sim.step(Float64Array.from([1, 1.5, 1, 1, 1, 1]) as unknown as Int32Array),
    (e: Error) => e instanceof InputError && /action\[1\].*not an integer/.test(e.message),
  );
  await rejects(
    () => sim.step(Float64Array.from([1, 1, 1, NaN, 1, 1]) as unknown as Int32Array),
    (e: Error) => e instanceof InputError && /action\[3\].*NaN/.test(e.message),
  );
  await rejects(
    () => sim.step([1, 1, 1, 1, 1, 1] as unknown as Int32Array),
    (e: Error) => e instanceof InputError && /must be an Int32Array, got a Array/.test(e.message),
  );
  await sim.close();
  await rejects(() => sim.step(new Int32Array(6)), (e: Error) => /after close/.test(e.message));
});

Deno.test("metrics hold every standard name plus load; episodes truncate at the episode length", async () => {
  const sim = await simulator(chain, { edgeNodes: 1, rate: 120, episodeLength: 3 });
  const obs = await sim.reset({ seed: 1 });
  const results = [];
  for (let t = 0; t < 3; t++) results.push(await sim.step(obs.replicas));
  deepEqual(results.map((r) => r.truncated), [false, false, true]);
  const { metrics } = results[2];
  for (const name of STANDARD_METRICS) ok(Number.isFinite(metrics[name]), name);
  equal(metrics.load, 120);
  equal(metrics.replicas, 6);
  // 6 replicas × 0.5 cores × 15 s.
  equal(metrics.cpuSeconds, 45);
  ok(metrics.p50LatencyMs <= metrics.p95LatencyMs && metrics.p95LatencyMs <= metrics.p99LatencyMs);
});

Deno.test("rewards charge each node for its replicas (cost) and its replica changes (churn)", async () => {
  const sim = await simulator(chain, {
    edgeNodes: 1,
    edgeCapacity: 20,
    cloudCapacity: 100,
    rewardWeights: { latency: 0, violations: 0, drops: 0, cost: 1, churn: 2 },
  });
  const obs = await sim.reset({ seed: 1 });
  const action = obs.replicas.slice();
  action[0] = 2; // edge-0 from 3 to 4 replicas (1 change); the cloud keeps 3
  const { rewards } = await sim.step(action);
  // edge-0: −(1 · 4/20 + 2 · 1/20) = −0.3; cloud: −(1 · 3/100) = −0.03.
  near(rewards[0], -0.3, 1e-6, "edge-0");
  near(rewards[1], -0.03, 1e-6, "cloud");
});
