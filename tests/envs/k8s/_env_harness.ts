/** A K8sEnvironment wired to the API stand-in and a canned Prometheus, with an instant clock. */
import { K8sEnvironment, type K8sRuntime } from "../../../envs/k8s/k8s_environment.ts";
import { type FakeAnswer, startFakePrometheus, vector } from "./_fake_prometheus.ts";
import { type FakeDeployment, startKubeStandIn } from "./_kube_stand_in.ts";

export const TOKEN = "env-test-token-42";

/** Templates a fake can answer by name and labels: `name{k="v",...}`. */
export const QUERIES = {
  cpuUtilization: `cpu{deployment="{deployment}"}`,
  arrivalRate: `arrival{deployment="{deployment}"}`,
  p95LatencyMs: `p95{deployment="{deployment}"}`,
  droppedRate: `dropped{deployment="{deployment}"}`,
  latencyQuantile: `quantile{q="{quantile}",deployments="{deployments}"}`,
  sloViolation: `slo{deployments="{deployments}",le="{sloBucket}"}`,
  calls: `calls{namespaces="{namespaces}"}`,
};

export type Values = Record<string, number | undefined>;

/** Default fake values: key `name/label` (e.g. `cpu/web-edge-0`, `slo/web-edge-0|web-cloud`). */
export const VALUES: Values = {
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

export function answer(values: Values): (query: string) => FakeAnswer {
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

export interface Harness {
  env: K8sEnvironment;
  api: ReturnType<typeof startKubeStandIn>;
  prom: ReturnType<typeof startFakePrometheus>;
  failPrometheus: { on: boolean };
  logs: string[];
  sleeps: number[];
  clock: { now: number };
  close(): Promise<void>;
}

export async function harness(
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

export const patches = (h: Harness) => h.api.requests.filter((r) => r.method === "PATCH");
