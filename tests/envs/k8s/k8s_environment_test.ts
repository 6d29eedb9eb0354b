import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { checkEnvironment, CHECKS } from "../../../core/check_environment.ts";
import { runControlLoop } from "../../../core/control_loop.ts";
import { InputError, RuntimeError } from "../../../core/errors.ts";
import type { Policy } from "../../../core/models.ts";
import { K8sEnvironment, type K8sRuntime } from "../../../envs/k8s/k8s_environment.ts";
import { caught } from "./_caught.ts";
import { type FakeAnswer, startFakePrometheus, vector } from "./_fake_prometheus.ts";
import { type FakeDeployment, startKubeStandIn } from "./_kube_stand_in.ts";

const TOKEN = "env-test-token-42";

/** Templates a fake can answer by name and labels: `name{k="v",...}`. */
const QUERIES = {
  cpuUtilization: `cpu{deployment="{deployment}"}`,
  arrivalRate: `arrival{deployment="{deployment}"}`,
  p95LatencyMs: `p95{deployment="{deployment}"}`,
  droppedRate: `dropped{deployment="{deployment}"}`,
  latencyQuantile: `quantile{q="{quantile}",deployments="{deployments}"}`,
  sloViolation: `slo{deployments="{deployments}",le="{sloBucket}"}`,
  calls: `calls{namespaces="{namespaces}"}`,
};

type Values = Record<string, number | undefined>;

/** Default fake values: key `name/label` (e.g. `cpu/web-edge-0`, `slo/web-edge-0|web-cloud`). */
const VALUES: Values = {
  "cpu/web-edge-0": 0.8,
  "cpu/api-edge-0": 0.3,
  "cpu/web-cloud": 0.5,
  "cpu/api-cloud": 0.2,
  "arrival/web-edge-0": 10,
  "arrival/web-cloud": 4,
  "arrival/api-cloud": 7,
  "p95/web-edge-0": 120,
  "dropped/web-edge-0": 0.5,
  "quantile/0.5": 80,
  "quantile/0.95": 300,
  "quantile/0.99": 700,
  "slo/web-edge-0|web-cloud": 0.15,
  "slo/web-edge-0": 0.2,
  "slo/web-cloud": 0.05,
};

function answer(values: Values): (query: string) => FakeAnswer {
  return (query) => {
    const m = /^(\w+)\{(.*)\}$/.exec(query);
    if (!m) return { status: 400, body: { status: "error", errorType: "bad_data", error: "parse error" } };
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (m[1] === "calls") {
      return {
        body: vector(
          {
            value: 3,
            metric: {
              source_workload_namespace: "shop",
              source_workload: "web-edge-0",
              destination_workload_namespace: "shop",
              destination_workload: "api-cloud",
            },
          },
          {
            value: 5,
            metric: {
              source_workload_namespace: "shop",
              source_workload: "web-cloud",
              destination_workload_namespace: "shop",
              destination_workload: "api-cloud",
            },
          },
          {
            value: 9,
            metric: {
              source_workload_namespace: "shop",
              source_workload: "unknown",
              destination_workload_namespace: "shop",
              destination_workload: "api-cloud",
            },
          },
        ),
      };
    }
    const key = `${m[1]}/${labels.deployment ?? labels.q ?? labels.deployments}`;
    const v = values[key];
    return { body: v === undefined ? vector() : vector(v) };
  };
}

interface Harness {
  env: K8sEnvironment;
  api: ReturnType<typeof startKubeStandIn>;
  prom: ReturnType<typeof startFakePrometheus>;
  failPrometheus: { on: boolean };
  logs: string[];
  sleeps: number[];
  clock: { now: number };
  close(): Promise<void>;
}

async function harness(
  options: Record<string, unknown> = {},
  extra: {
    values?: Values;
    deployments?: Record<string, FakeDeployment>;
    runtime?: K8sRuntime;
    standInToken?: string;
  } = {},
): Promise<Harness> {
  const api = startKubeStandIn({
    token: extra.standInToken ?? TOKEN,
    echoAuthorization: true,
    deployments: extra.deployments ?? {
      "shop/web-edge-0": { replicas: 2, readyReplicas: 2, cpu: "500m" },
      "shop/api-edge-0": { replicas: 1, readyReplicas: 0, cpu: "250m" },
      "shop/web-cloud": { replicas: 2 },
      "shop/api-cloud": { replicas: 2, cpu: "1" },
    },
  });
  const failPrometheus = { on: false };
  const answerOf = answer(extra.values ?? VALUES);
  const prom = startFakePrometheus((query) =>
    failPrometheus.on
      ? { status: 500, body: { status: "error", errorType: "internal", error: "boom" } }
      : answerOf(query)
  );
  const logs: string[] = [], sleeps: number[] = [];
  const clock = { now: 1_000_000 };
  const env = await K8sEnvironment.create({
    nodes: [{ id: "edge-0", kind: "edge", capacity: 5 }, { id: "cloud", kind: "cloud", capacity: 20 }],
    services: ["web", "api"],
    namespace: "shop",
    minReplicas: 1,
    maxReplicas: 4,
    replicaBounds: { api: { max: 3 } },
    links: [[0, 20], [20, 0]],
    prometheus: { url: prom.url, queries: QUERIES },
    retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 1000 },
    ...options,
  }, {
    credentials: { server: api.url, token: TOKEN, source: "test" },
    sleep: (ms) => {
      sleeps.push(ms);
      clock.now += ms;
      return Promise.resolve();
    },
    now: () => clock.now,
    log: (line) => logs.push(line),
    ...extra.runtime,
  });
  return {
    env,
    api,
    prom,
    failPrometheus,
    logs,
    sleeps,
    clock,
    async close() {
      await env.close();
      await api.close();
      await prom.close();
    },
  };
}

const patches = (h: Harness) => h.api.requests.filter((r) => r.method === "PATCH");

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

Deno.test("k8s env: passes checkEnvironment, except the checks a live cluster cannot pass", async () => {
  const h = await harness();
  try {
    const findings = await checkEnvironment(h.env);
    // A real cluster ignores seeds and reset() does not rewind it: the three determinism checks cannot
    // hold. Every other check must.
    const live = new Set(["reset-deterministic", "step-deterministic", "seed-changes-trajectory"]);
    const failed = findings.filter((f) => !f.ok && !live.has(f.name));
    deepEqual(failed, []);
    equal(findings.length, CHECKS.length);
  } finally {
    await h.close();
  }
});

Deno.test("k8s env: the control loop scales through it and stops cleanly on abort mid-run", async () => {
  const controller = new AbortController();
  let steps = 0;
  const h = await harness({}, {
    runtime: {
      sleep: () => {
        if (++steps === 2) controller.abort(); // SIGTERM during the second step's wait
        return Promise.resolve();
      },
    },
  });
  try {
    const lines: string[] = [];
    const policy: Policy = {
      reset() {},
      act: (batch) =>
        Promise.resolve(batch.map((o) => {
          const r = o.replicas.slice();
          r[0] += 1; // one more web replica on edge-0 per step
          return r;
        })),
    };
    const summary = await runControlLoop(h.env, {
      policy,
      log: (l) => lines.push(l),
      signal: controller.signal,
    });
    deepEqual(summary, { steps: 2, stoppedBy: "signal" });
    equal(h.api.deployments["shop/web-edge-0"].replicas, 4);
    deepEqual(lines.map((l) => JSON.parse(l).desired["edge-0"].web), [3, 4]);
    equal(JSON.parse(lines[1]).metrics.scaled, 1);
    await rejects(() => h.env.step(new Int32Array(4)), /closed/);
  } finally {
    await h.close();
  }
});
