import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { InputError, RuntimeError } from "../../../core/errors.ts";
import { K8sEnvironment } from "../../../envs/k8s/k8s_environment.ts";
import { caught } from "./_caught.ts";
import { harness, patches, VALUES } from "./_env_harness.ts";

Deno.test("k8s env: spec, observation, calls and rewards from the API and Prometheus", async () => {
  const h = await harness();
  try {
    const { spec } = h.env;
    deepEqual(spec.serviceFeatures, [
      "replicas",
      "readyReplicas",
      "cpuUtilization",
      "arrivalRate",
      "p95LatencyMs",
      "droppedRate",
    ]);
    deepEqual(Array.from(spec.minReplicas), [1, 1, 1, 1]);
    deepEqual(Array.from(spec.maxReplicas), [4, 3, 4, 3]);
    const obs = await h.env.reset();
    // web on edge-0: replicas 2, ready 2, cpu 0.8, arrival 10, p95 120, dropped 0.5
    deepEqual(Array.from(obs.services.slice(0, 6)), [2, 2, 0.800000011920929, 10, 120, 0.5]);
    // api on edge-0: no arrival, p95 or dropped series → 0
    deepEqual(Array.from(obs.services.slice(6, 12)), [1, 0, 0.30000001192092896, 0, 0, 0]);
    deepEqual(Array.from(obs.replicas), [2, 1, 2, 2]);
    // calls [A,S,S]: edge-0 web→api 3 (to api-cloud: the callee's service counts), cloud web→api 5
    deepEqual(Array.from(obs.calls), [0, 3, 0, 0, 0, 5, 0, 0]);
    deepEqual(Array.from(obs.nodes), [3 / 5, 4 / 20].map(Math.fround));
    deepEqual(Array.from(obs.links), [0, 20, 20, 0]);
    deepEqual(Array.from(obs.linkMask), [1, 1, 1, 1]);

    const r = await h.env.step(new Int32Array([2, 1, 2, 2]));
    deepEqual(h.sleeps, [15000]);
    equal(patches(h).length, 0);
    // edge-0: −(1 · 10 req/s · 0.2 + 0.1 · 3 replicas) = −2.3; cloud: −(4 · 0.05 + 0.1 · 4) = −0.6
    deepEqual(Array.from(r.rewards), [-2.3, -0.6].map(Math.fround));
    equal(r.metrics.p50LatencyMs, 80);
    equal(r.metrics.p95LatencyMs, 300);
    equal(r.metrics.p99LatencyMs, 700);
    equal(r.metrics.sloViolationRate, 0.15);
    equal(r.metrics.droppedRate, 0.5);
    equal(r.metrics.replicas, 7);
    equal(r.metrics.readyReplicas, 6);
    // cpuSeconds = (2·0.5 + 1·0.25 + 2·1 (no request: one core) + 2·1) · 15 = 78.75
    equal(r.metrics.cpuSeconds, 78.75);
    deepEqual([r.metrics.metricErrors, r.metrics.scaleErrors, r.metrics.heldScales], [0, 0, 0]);
    // missing: p95/dropped of 3 deployments, arrival of api-edge-0 = 7
    equal(r.metrics.missingMetrics, 7);
    equal(r.truncated, false);
  } finally {
    await h.close();
  }
});

Deno.test("k8s env: bounds and node capacity clamp the desired replicas and count the refusals", async () => {
  const h = await harness();
  try {
    await h.env.reset();
    // edge-0: web 9 → 4 (5 refused), api 9 → 3 (6 refused); 4+3 > capacity 5: api cut back to 1 (2 refused)
    // cloud: web 0 → 1 (the minimum), api stays 2
    const r = await h.env.step(new Int32Array([9, 9, 0, 2]));
    equal(r.metrics.refusedScaleUps, 13);
    equal(r.metrics.scaled, 2);
    deepEqual(patches(h).map((p) => [p.path.split("/")[7], JSON.parse(p.body).spec.replicas]).sort(), [
      ["web-cloud", 1],
      ["web-edge-0", 4],
    ]);
    deepEqual(Array.from(r.observation.replicas), [4, 1, 1, 2]);
  } finally {
    await h.close();
  }
});

Deno.test("k8s env: dry run reads and logs, never patches", async () => {
  const h = await harness({ dryRun: true });
  try {
    await h.env.reset();
    const r = await h.env.step(new Int32Array([3, 1, 1, 2]));
    equal(patches(h).length, 0);
    deepEqual([r.metrics.scaled, r.metrics.wouldScale], [0, 2]);
    equal(h.api.requests.filter((q) => q.method === "GET" && q.path.endsWith("/scale")).length, 2);
    const dry = h.logs.map((l) => JSON.parse(l)).filter((l) => l.event === "dry-run");
    deepEqual(dry.map((l) => [l.deployment, l.from, l.to]).sort(), [["shop/web-cloud", 2, 1], [
      "shop/web-edge-0",
      2,
      3,
    ]]);
    deepEqual(Array.from(r.observation.replicas), [2, 1, 2, 2]);
  } finally {
    await h.close();
  }
});

Deno.test("k8s env: a deployment outside the allowed namespaces is refused at creation", async () => {
  const base = {
    nodes: [{ id: "edge-0" }],
    services: ["web"],
    namespace: "shop",
    prometheus: { url: "http://127.0.0.1:1" },
  };
  const runtime = { credentials: { server: "http://127.0.0.1:1", source: "test" } };
  const table = await caught(
    () =>
      K8sEnvironment.create({ ...base, deployments: { "edge-0": { web: "kube-system/coredns" } } }, runtime),
    InputError,
  );
  equal(
    table.message,
    `deployments.edge-0.web: namespace "kube-system" is not allowed (allowedNamespaces: shop)`,
  );
  const pattern = await caught(
    () => K8sEnvironment.create({ ...base, deploymentPattern: "{node}/{service}" }, runtime),
    InputError,
  );
  ok(pattern.message.includes(`namespace "edge-0" is not allowed`), pattern.message);
  const env = await K8sEnvironment.create({
    ...base,
    deploymentPattern: "{node}/{service}",
    allowedNamespaces: ["edge-0"],
  }, runtime);
  await env.close();
});

Deno.test("k8s env: missing metrics keep the replicas of that deployment (as the HPA does)", async () => {
  const values = { ...VALUES, "cpu/web-edge-0": undefined };
  const h = await harness({}, { values });
  try {
    await h.env.reset();
    const r = await h.env.step(new Int32Array([4, 1, 3, 2]));
    equal(r.metrics.heldScales, 1);
    deepEqual(patches(h).map((p) => p.path.split("/")[7]), ["web-cloud"]);
    deepEqual(Array.from(r.observation.replicas), [2, 1, 3, 2]);
    ok(h.logs.some((l) => JSON.parse(l).event === "held"));
  } finally {
    await h.close();
  }
});

Deno.test("k8s env: stale metrics keep every deployment's replicas", async () => {
  const h = await harness({ maxMetricAgeSeconds: 60 });
  try {
    await h.env.reset();
    h.clock.now += 61_000;
    const r = await h.env.step(new Int32Array([4, 1, 3, 2]));
    equal(r.metrics.heldScales, 2);
    equal(patches(h).length, 0);
    // The next step acts on fresh metrics again.
    const r2 = await h.env.step(new Int32Array([4, 1, 3, 2]));
    deepEqual([r2.metrics.heldScales, r2.metrics.scaled], [0, 2]);
  } finally {
    await h.close();
  }
});

for (const mode of ["down", "answering 500"] as const) {
  Deno.test(`k8s env: Prometheus ${mode} is counted in metricErrors, holds scaling, never throws`, async () => {
    const h = await harness();
    try {
      await h.env.reset();
      if (mode === "down") await h.prom.close();
      else h.failPrometheus.on = true;
      const r1 = await h.env.step(new Int32Array([2, 1, 2, 2]));
      // 23 queries: calls, 3 quantiles, cluster and 2 node SLO fractions, 4 features × 4 deployments
      equal(r1.metrics.metricErrors, 23);
      ok(h.logs.some((l) => JSON.parse(l).event === "metrics-skipped"));
      // Once Prometheus fails, the queries not yet sent are skipped: only the 8 in flight (concurrency 8)
      // were tried, twice each (attempts 2), after the 23 of the reset.
      if (mode !== "down") equal(h.prom.queries.length, 23 + 8 * 2);
      const r2 = await h.env.step(new Int32Array([3, 1, 3, 2]));
      deepEqual([r2.metrics.heldScales, r2.metrics.scaled], [2, 0]);
      equal(patches(h).length, 0);
      deepEqual(Array.from(r2.observation.replicas), [2, 1, 2, 2]);
    } finally {
      await h.close();
    }
  });
}

Deno.test("k8s env: a failing API is counted in scaleErrors and logged, and the step goes on", async () => {
  const h = await harness();
  try {
    await h.env.reset();
    h.api.failNext = [500, 500];
    const r = await h.env.step(new Int32Array([3, 1, 2, 2]));
    equal(r.metrics.scaleErrors, 1);
    equal(r.metrics.scaled, 0);
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.event === "scale-error");
    equal(line?.deployment, "shop/web-edge-0");
    ok(String(line?.error).includes("HTTP 500"), line?.error);
  } finally {
    await h.close();
  }
});

Deno.test("k8s env: not-hosted services, malformed actions, step before reset and after close", async () => {
  const h = await harness({ deployments: { cloud: { api: null } } });
  try {
    deepEqual(Array.from(h.env.spec.maxReplicas), [4, 3, 4, 0]);
    await rejects(() => h.env.step(new Int32Array(4)), /call reset\(\) before step\(\)/);
    await h.env.reset();
    ok(!h.prom.queries.some((q) => q.includes("api-cloud")));
    await rejects(() => h.env.step(new Int32Array(3)), /Int32Array of 2×2/);
    await rejects(() => h.env.step(new Int32Array([1, 1, -1, 0])), /≥ 0/);
  } finally {
    await h.close();
  }
  await rejects(() => h.env.step(new Int32Array(4)), RuntimeError);
  await rejects(() => h.env.reset(), /closed/);
});

Deno.test("k8s env: truncated after episodeLength steps", async () => {
  const h = await harness({}, { runtime: { episodeLength: 2 } });
  try {
    await h.env.reset();
    equal((await h.env.step(new Int32Array([2, 1, 2, 2]))).truncated, false);
    equal((await h.env.step(new Int32Array([2, 1, 2, 2]))).truncated, true);
  } finally {
    await h.close();
  }
});
