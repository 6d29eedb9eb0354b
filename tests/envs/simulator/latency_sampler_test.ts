import { equal, ok } from "node:assert/strict";
import { Random } from "../../../core/random.ts";
import { selectKth } from "../../../envs/simulator/_latency_sampler.ts";
import { feature, simulator, svc, topology } from "./_helpers.ts";

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`,
  );

Deno.test("selectKth puts the k-th smallest at k, smaller before, larger after", () => {
  const rng = new Random(3);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + rng.int(300);
    const a = Float64Array.from({ length: n }, () => Math.floor(rng.next() * 50)); // with ties
    const sorted = a.slice().sort();
    const k = rng.int(n);
    selectKth(a, { lo: 0, hi: n, k });
    equal(a[k], sorted[k]);
    for (let i = 0; i < k; i++) ok(a[i] <= a[k]);
    for (let i = k + 1; i < n; i++) ok(a[i] >= a[k]);
  }
});

Deno.test("percentiles of one M/M/1 service match its exact distribution", async () => {
  // One service at 100 req/s per replica, 50 req/s: T ~ Exp(50/s), median ln2/50 = 13.86 ms,
  // p95 = ln20/50 = 59.9 ms, mean 20 ms. 4096 samples per step, averaged over 20 steps.
  const sim = await simulator(topology({ services: [svc("a", 100)], edges: [], sloMs: 1000 }), {
    edgeNodes: 1,
    rate: 50,
    samples: 4096,
    maxReplicas: 1,
  });
  const obs = await sim.reset({ seed: 9 });
  const action = Int32Array.from([1, 0]); // the cloud hosts nothing
  let p50 = 0, p95 = 0, mean = 0;
  for (let t = 0; t < 20; t++) {
    const { metrics } = await sim.step(action);
    p50 += metrics.p50LatencyMs / 20;
    p95 += metrics.p95LatencyMs / 20;
    mean += metrics.meanLatencyMs / 20;
  }
  near(p50, 1000 * Math.log(2) / 50, 0.5, "p50");
  near(p95, 1000 * Math.log(20) / 50, 2, "p95");
  near(mean, 20, 0.5, "mean");
  // The analytic per-service features agree: p95 59.9 ms and mean 20 ms.
  near(feature(sim, obs, { node: 0, service: 0, name: "p95LatencyMs" }), 59.9, 0.2, "p95 feature");
  near(feature(sim, obs, { node: 0, service: 0, name: "meanLatencyMs" }), 20, 1e-6, "mean feature");
});

Deno.test("fractional calls: a 0.5-call edge is made by half the requests", async () => {
  // a calls b (remote, 2 × 20 ms) with 0.5 calls per request: half the requests take 40 ms more.
  const fast = (n: string) => svc(n, 1e6);
  const sim = await simulator(
    topology({ services: [fast("a"), fast("b")], edges: [{ from: "a", to: "b", calls: 0.5 }], sloMs: 20 }),
    { edgeNodes: 1, edgeCloudMs: 20, hosts: { "edge-0": ["a"], cloud: ["b"] }, samples: 2000 },
  );
  const obs = await sim.reset({ seed: 4 });
  equal(feature(sim, obs, { node: 1, service: 1, name: "arrivalRate" }), 50);
  const { metrics } = await sim.step(obs.replicas);
  near(metrics.sloViolationRate, 0.5, 0.04, "share of requests that called b");
});

Deno.test("requests fail when a service has no ready replica anywhere", async () => {
  const sim = await simulator(topology({ services: [svc("a"), svc("b")], edges: [{ from: "a", to: "b" }] }), {
    edgeNodes: 1,
    startupDelaySteps: 0,
  });
  await sim.reset({ seed: 1 });
  const { metrics, rewards, observation } = await sim.step(Int32Array.from([1, 0, 0, 0]));
  equal(metrics.sloViolationRate, 1);
  equal(metrics.droppedRate, 100);
  equal(metrics.p50LatencyMs, 1000, "failed requests count at the timeout (10 × SLO)");
  equal(feature(sim, observation, { node: 0, service: 1, name: "droppedRate" }), 100);
  // edge-0: overshoot 1 + violations 1 + drops 1 + cost 0.5 · 1/20 + churn 0.1 · 1/20 (b: 1 → 0) = 3.03.
  near(rewards[0], -3.03, 1e-6, "edge-0 reward");
});
