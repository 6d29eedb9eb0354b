/**
 * Against a real Prometheus (Debian's `prometheus`), scraping an exporter served here whose counters and
 * histogram grow linearly with time, so every rate and quantile is known by hand:
 *
 * - frontend-edge-0 receives 10 req/s (9 answered 200, 1 answered 503: droppedRate 1); its latency
 *   histogram gains per second 4 requests ≤100 ms, 3 in (100,250], 2 in (250,500], 1 in (500,1000].
 *   p50: rank 5 of 10 lies in (100,250] → 100 + (5−4)/3·150 = 150 ms; p95: rank 9.5 → 500 + 0.5·500 =
 *   750 ms; p99: rank 9.9 → 500 + 0.9·500 = 950 ms; over the 500 ms SLO: 1 − 9/10 = 0.1.
 * - Its two pods use 0.2 and 0.3 cores and request 0.5 each: cpuUtilization (0.2+0.3)/1.0 = 0.5.
 * - frontend calls cart at 4 req/s; cart's one pod uses 0.1 of 0.25 requested cores: 0.4.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { InputError } from "../../../core/errors.ts";
import { K8sEnvironment } from "../../../envs/k8s/k8s_environment.ts";
import { PrometheusClient } from "../../../envs/k8s/prometheus_client.ts";
import { PrometheusError, resultValue } from "../../../envs/k8s/prometheus_response.ts";
import { DEFAULT_QUERIES, fillTemplate } from "../../../envs/k8s/queries.ts";
import { caught } from "./_caught.ts";
import { startKubeStandIn } from "./_kube_stand_in.ts";
import { prometheusAvailable, startPrometheus } from "./_prometheus_process.ts";

const available = await prometheusAvailable();

function exporterText(elapsed: number): string {
  const e = elapsed;
  const dest = (w: string) =>
    `reporter="destination",destination_workload_namespace="shop",destination_workload="${w}"`;
  const lines = [
    "# TYPE istio_requests_total counter",
    `istio_requests_total{${dest("frontend-edge-0")},response_code="200"} ${9 * e}`,
    `istio_requests_total{${dest("frontend-edge-0")},response_code="503"} ${1 * e}`,
    `istio_requests_total{${dest("cart-edge-0")},response_code="200"} ${4 * e}`,
    `istio_requests_total{reporter="source",source_workload_namespace="shop",source_workload="frontend-edge-0",` +
    `destination_workload_namespace="shop",destination_workload="cart-edge-0",response_code="200"} ${4 * e}`,
    "# TYPE istio_request_duration_milliseconds histogram",
  ];
  const histogram = (w: string, buckets: [string, number][], sum: number) => {
    for (const [le, perSecond] of buckets) {
      lines.push(`istio_request_duration_milliseconds_bucket{${dest(w)},le="${le}"} ${perSecond * e}`);
    }
    lines.push(`istio_request_duration_milliseconds_sum{${dest(w)}} ${sum * e}`);
    lines.push(`istio_request_duration_milliseconds_count{${dest(w)}} ${buckets.at(-1)![1] * e}`);
  };
  histogram("frontend-edge-0", [["100", 4], ["250", 7], ["500", 9], ["1000", 10], ["+Inf", 10]], 2500);
  histogram("cart-edge-0", [["100", 4], ["250", 4], ["500", 4], ["1000", 4], ["+Inf", 4]], 200);
  const pods: [string, number, number][] = [
    ["frontend-edge-0-5d9c7b-abcde", 0.2, 0.5],
    ["frontend-edge-0-5d9c7b-fghij", 0.3, 0.5],
    ["cart-edge-0-7f8e9a-klmno", 0.1, 0.25],
  ];
  lines.push("# TYPE container_cpu_usage_seconds_total counter");
  for (const [pod, cores] of pods) {
    lines.push(
      `container_cpu_usage_seconds_total{namespace="shop",pod="${pod}",container="server"} ${cores * e}`,
    );
  }
  lines.push("# TYPE kube_pod_container_resource_requests gauge");
  for (const [pod, , request] of pods) {
    lines.push(
      `kube_pod_container_resource_requests{namespace="shop",pod="${pod}",container="server",resource="cpu",unit="core"} ${request}`,
    );
  }
  return lines.join("\n") + "\n";
}

function near(
  actual: number,
  { is: expected, within: relative, what }: { is: number; within: number; what: string },
) {
  ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${what}: ${actual} is not within ${relative * 100}% of ${expected}`,
  );
}

Deno.test({
  name: "k8s environment against a real Prometheus: rates, quantiles, SLO violations, calls",
  ignore: !available,
  sanitizeResources: true,
  async fn(t) {
    const t0 = performance.now();
    const exporterAbort = new AbortController();
    const exporter = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: exporterAbort.signal, onListen: () => {} },
      () =>
        new Response(exporterText((performance.now() - t0) / 1000), {
          headers: { "content-type": "text/plain; version=0.0.4" },
        }),
    );
    const token = "integration-token-0123";
    const api = startKubeStandIn({
      token,
      deployments: {
        "shop/frontend-edge-0": { replicas: 2, readyReplicas: 2, cpu: "500m" },
        "shop/cart-edge-0": { replicas: 1, readyReplicas: 1, cpu: "250m" },
      },
    });
    let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
    try {
      prometheus = await startPrometheus([`127.0.0.1:${exporter.addr.port}`]);
      const client = new PrometheusClient({
        url: prometheus.url,
        retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 100, timeoutMs: 3000 },
      });
      const arrival = fillTemplate(DEFAULT_QUERIES.arrivalRate, {
        values: { namespace: "shop", deployment: "frontend-edge-0", window: "5s" },
        where: "test",
      });
      // Wait for 6 s of scrapes, so the 5 s rate window is covered (else rate() extrapolates a partial window).
      const deadline = Date.now() + 15000;
      for (;;) {
        const r = await client.query(`count_over_time(istio_requests_total{response_code="503"}[10s])`);
        if ((resultValue(r.result) ?? 0) >= 7) break;
        ok(Date.now() < deadline, "Prometheus did not collect 7 scrapes in 15 s");
        await new Promise((resolve) => setTimeout(resolve, 250));
      }

      await t.step("the client parses scalars, vectors and NaN/+Inf/-Inf sent as strings", async () => {
        const scalar = await client.query("scalar(vector(2.5))");
        deepEqual([scalar.result.resultType, resultValue(scalar.result)], ["scalar", 2.5]);
        const inf = await client.query("1/0");
        equal(inf.result.resultType === "scalar" && inf.result.value, Infinity);
        const negInf = await client.query("-1/0");
        equal(negInf.result.resultType === "scalar" && negInf.result.value, -Infinity);
        const nan = await client.query("0/0");
        ok(nan.result.resultType === "scalar" && Number.isNaN(nan.result.value));
        equal(resultValue(nan.result), undefined);
        const empty = await client.query(`istio_requests_total{destination_workload="nobody"}`);
        deepEqual([empty.result.resultType, resultValue(empty.result)], ["vector", undefined]);
        const rate = await client.query(arrival, { time: Date.now() });
        ok(rate.result.resultType === "vector" && rate.result.samples.length === 1);
        near(resultValue(rate.result)!, { is: 10, within: 0.03, what: "arrival rate" });
        const bad = await caught(() => client.query("sum("), PrometheusError);
        deepEqual([bad.errorType, bad.status], ["bad_data", 400]);
      });

      await t.step("reset and step read the features, metrics and rewards worked out above", async () => {
        const logs: string[] = [];
        const sleeps: number[] = [];
        const env = await K8sEnvironment.create({
          nodes: [{ id: "edge-0", kind: "edge", capacity: 6 }],
          services: ["frontend", "cart"],
          namespace: "shop",
          prometheus: { url: prometheus!.url, window: "5s" },
          retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 10, timeoutMs: 3000 },
          maxReplicas: 4,
          stepSeconds: 15,
          sloMs: 500,
        }, {
          credentials: { server: api.url, token, source: "test" },
          sleep: (ms) => {
            sleeps.push(ms);
            return Promise.resolve();
          },
          log: (line) => logs.push(line),
        });
        try {
          const obs = await env.reset();
          const F = 6;
          // frontend: replicas 2, ready 2, cpu 0.5, arrival 10, p95 750, dropped 1
          deepEqual(Array.from(obs.services.slice(0, 2)), [2, 2]);
          near(obs.services[2], { is: 0.5, within: 0.03, what: "frontend cpuUtilization" });
          near(obs.services[3], { is: 10, within: 0.03, what: "frontend arrivalRate" });
          near(obs.services[4], { is: 750, within: 1e-6, what: "frontend p95LatencyMs" });
          near(obs.services[5], { is: 1, within: 0.03, what: "frontend droppedRate" });
          // cart: replicas 1, cpu 0.4, arrival 4, p95 = 0.95·100 = 95 ms (all in the first bucket)
          deepEqual(Array.from(obs.services.slice(F, F + 2)), [1, 1]);
          near(obs.services[F + 2], { is: 0.4, within: 0.03, what: "cart cpuUtilization" });
          near(obs.services[F + 3], { is: 4, within: 0.03, what: "cart arrivalRate" });
          near(obs.services[F + 4], { is: 95, within: 1e-6, what: "cart p95LatencyMs" });
          equal(obs.services[F + 5], 0);
          // calls[frontend → cart] = 4 req/s; nothing else
          near(obs.calls[1], { is: 4, within: 0.03, what: "calls frontend→cart" });
          deepEqual([obs.calls[0], obs.calls[2], obs.calls[3]], [0, 0, 0]);
          near(obs.nodes[0], { is: 3 / 6, within: 1e-6, what: "capacityUsed" });

          const result = await env.step(new Int32Array([3, 1]));
          deepEqual(sleeps, [15000]);
          equal(api.deployments["shop/frontend-edge-0"].replicas, 3);
          deepEqual(Array.from(result.observation.replicas), [3, 1]);
          near(result.metrics.p50LatencyMs, { is: 150, within: 1e-6, what: "p50" });
          near(result.metrics.p95LatencyMs, { is: 750, within: 1e-6, what: "p95" });
          near(result.metrics.p99LatencyMs, { is: 950, within: 1e-6, what: "p99" });
          near(result.metrics.sloViolationRate, { is: 0.1, within: 1e-6, what: "sloViolationRate" });
          near(result.metrics.droppedRate, { is: 1, within: 0.03, what: "droppedRate" });
          equal(result.metrics.replicas, 4);
          // cpuSeconds = (3·0.5 + 1·0.25)·15 = 26.25
          near(result.metrics.cpuSeconds, { is: 26.25, within: 1e-6, what: "cpuSeconds" });
          deepEqual([result.metrics.metricErrors, result.metrics.scaleErrors, result.metrics.scaled], [
            0,
            0,
            1,
          ]);
          // reward = −(1 · 10 req/s · 0.1 + 0.1 · 4 replicas) = −1.4
          near(result.rewards[0], { is: -1.4, within: 0.03, what: "reward" });
          ok(logs.some((l) => JSON.parse(l).event === "scaled"), logs.join("\n"));
        } finally {
          await env.close();
        }
      });

      await t.step("a malformed custom query is an InputError naming the option", async () => {
        const env = await K8sEnvironment.create({
          nodes: [{ id: "edge-0" }],
          services: ["frontend", "cart"],
          namespace: "shop",
          prometheus: {
            url: prometheus!.url,
            window: "5s",
            queries: { arrivalRate: "sum(rate(x[{window}])" },
          },
        }, { credentials: { server: api.url, token, source: "test" }, log: () => {} });
        try {
          const error = await caught(() => env.reset(), InputError);
          ok(error.message.includes("prometheus.queries.arrivalRate"), error.message);
          ok(error.message.includes("bad_data"), error.message);
        } finally {
          await env.close();
        }
      });
    } finally {
      await prometheus?.stop();
      await api.close();
      exporterAbort.abort();
      await exporter.finished;
    }
  },
});
