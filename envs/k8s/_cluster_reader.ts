import type { DeploymentMapping, DeploymentRef } from "./deployment_mapping.ts";
import type { K8sOptions } from "./k8s_options.ts";
import type { KubeClient } from "./kube_client.ts";
import { mapLimit } from "./_pool.ts";
import type { PrometheusClient } from "./prometheus_client.ts";
import { PrometheusError, type PromResult, resultValue } from "./prometheus_response.ts";
import {
  type CallLabels,
  DEFAULT_CALL_LABELS,
  DEFAULT_QUERIES,
  fillTemplate,
  type QueryTemplates,
  regexAlternation,
} from "./queries.ts";
import type { Redactor } from "./redactor.ts";

/** The per-deployment features read from Prometheus, in observation order after the two replica counts. */
export const METRIC_FEATURES = ["cpuUtilization", "arrivalRate", "p95LatencyMs", "droppedRate"] as const;

/** What one read of the cluster found. Arrays are `[A,S]` unless said otherwise; missing values are 0. */
export interface Snapshot {
  /** Clock time of the read in ms. */
  time: number;
  /** `spec.replicas` per deployment. */
  replicas: Int32Array;
  /** `status.readyReplicas` per deployment. */
  ready: Int32Array;
  /** CPU cores requested per pod. */
  cpuRequest: Float32Array;
  /** `[A,S,4]` values of {@linkcode METRIC_FEATURES}. */
  features: Float32Array;
  /** 1 where the deployment and every required feature were read (safe to scale). */
  known: Uint8Array;
  /** `[A,S,S]` call rates. */
  calls: Float32Array;
  /** End-to-end latency quantiles (ms) and SLO-violation fraction over all entry deployments. */
  e2e: { p50: number; p95: number; p99: number; slo: number };
  /** `[A]` SLO-violation fraction of the requests entering at each node. */
  nodeViolation: Float32Array;
  /** Queries that failed (errors, time-outs, Prometheus unreachable). */
  metricErrors: number;
  /** Queries that answered nothing usable (no series, NaN). */
  missingMetrics: number;
  /** Kubernetes reads that failed. */
  apiErrors: number;
  /** Queries Prometheus rejected as malformed (`bad_data`), as `name: error`. */
  badQueries: string[];
}

/** Options of {@linkcode ClusterReader}. */
export interface ClusterReaderOptions {
  options: K8sOptions;
  mapping: DeploymentMapping;
  kube: KubeClient;
  prometheus: PrometheusClient;
  redactor: Redactor;
  entryServices: number[];
  now: () => number;
  log: (line: string) => void;
}

interface Job {
  name: string;
  where: string;
  promql: string;
  apply: (result: PromResult) => boolean;
}

/** Reads replicas from the Kubernetes API and features and metrics from Prometheus. */
export class ClusterReader {
  #o: ClusterReaderOptions;
  #A: number;
  #S: number;
  #queries: QueryTemplates;
  #labels: CallLabels;
  #lastReplicas?: Int32Array;

  /** Makes a reader. */
  constructor(options: ClusterReaderOptions) {
    this.#o = options;
    this.#A = options.options.nodes.length;
    this.#S = options.options.services.length;
    this.#queries = { ...DEFAULT_QUERIES, ...options.options.prometheus.queries };
    this.#labels = { ...DEFAULT_CALL_LABELS, ...options.options.prometheus.callLabels };
  }

  /** Reads everything once. */
  async read(): Promise<Snapshot> {
    const { mapping, kube, options } = this.#o;
    const A = this.#A, S = this.#S, F = METRIC_FEATURES.length;
    const time = this.#o.now();
    const snap: Snapshot = {
      time,
      replicas: this.#lastReplicas?.slice() ?? new Int32Array(A * S),
      ready: new Int32Array(A * S),
      cpuRequest: new Float32Array(A * S),
      features: new Float32Array(A * S * F),
      known: new Uint8Array(A * S),
      calls: new Float32Array(A * S * S),
      e2e: { p50: 0, p95: 0, p99: 0, slo: 0 },
      nodeViolation: new Float32Array(A),
      metricErrors: 0,
      missingMetrics: 0,
      apiErrors: 0,
      badQueries: [],
    };
    const present = new Uint8Array(A * S * F);
    const readOk = new Uint8Array(A * S);
    const entries = mapping.entries();
    await mapLimit(entries, {
      limit: options.prometheus.concurrency,
      fn: async ({ node, service, ref }) => {
        const i = node * S + service;
        try {
          const d = await kube.getDeployment(ref.namespace, ref.name);
          snap.replicas[i] = d.replicas;
          snap.ready[i] = d.readyReplicas;
          snap.cpuRequest[i] = d.cpuRequest ?? 1;
          readOk[i] = 1;
        } catch (error) {
          snap.apiErrors++;
          this.#log({ event: "api-error", deployment: `${ref.namespace}/${ref.name}`, error });
        }
      },
    });
    this.#lastReplicas = snap.replicas.slice();

    await this.#runQueries(this.#jobs(snap, present), snap);
    const required = options.requiredFeatures.map((f) => METRIC_FEATURES.indexOf(f as never));
    for (const { node, service } of entries) {
      const i = node * S + service;
      snap.known[i] = readOk[i] && required.every((f) => present[i * F + f] === 1) ? 1 : 0;
    }
    return snap;
  }

  #jobs(snap: Snapshot, present: Uint8Array): Job[] {
    const { mapping, options } = this.#o;
    const S = this.#S, F = METRIC_FEATURES.length;
    const window = options.prometheus.window;
    const jobs: Job[] = [];
    const group = (refs: DeploymentRef[]) => ({
      namespaces: regexAlternation(refs.map((r) => r.namespace)),
      deployments: regexAlternation(refs.map((r) => r.name)),
    });
    const entryRefs = (nodes: number[]) =>
      nodes.flatMap((a) => this.#o.entryServices.map((s) => mapping.get(a, s)))
        .filter((r): r is DeploymentRef => r !== undefined);
    const add = (
      name: string,
      q: { key: keyof QueryTemplates; values: Record<string, string>; apply: (v: number) => void },
    ) =>
      jobs.push({
        name,
        where: `prometheus.queries.${q.key}`,
        promql: fillTemplate(this.#queries[q.key], {
          values: q.values,
          where: `prometheus.queries.${q.key}`,
        }),
        apply: (result) => {
          const v = resultValue(result);
          if (v === undefined || !Number.isFinite(v)) return false;
          q.apply(v);
          return true;
        },
      });
    jobs.push({
      name: "calls",
      where: "prometheus.queries.calls",
      promql: fillTemplate(this.#queries.calls, {
        values: { namespaces: regexAlternation(mapping.namespaces()), window },
        where: "prometheus.queries.calls",
      }),
      apply: (result) => this.#applyCalls(result, snap.calls),
    });
    const all = entryRefs([...Array(this.#A).keys()]);
    if (all.length > 0) {
      const values = { ...group(all), window, sloBucket: options.sloBucket ?? String(options.sloMs) };
      for (const [q, key] of [[0.5, "p50"], [0.95, "p95"], [0.99, "p99"]] as const) {
        add(`latency p${q * 100}`, {
          key: "latencyQuantile",
          values: { ...values, quantile: String(q) },
          apply: (v) => snap.e2e[key] = v,
        });
      }
      add("sloViolation", { key: "sloViolation", values, apply: (v) => snap.e2e.slo = clamp01(v) });
      for (let a = 0; a < this.#A; a++) {
        const refs = entryRefs([a]);
        if (refs.length === 0) continue;
        add(`sloViolation ${options.nodes[a].id}`, {
          key: "sloViolation",
          values: { ...values, ...group(refs) },
          apply: (v) => snap.nodeViolation[a] = clamp01(v),
        });
      }
    }
    for (const { node, service, ref } of mapping.entries()) {
      const values = {
        namespace: ref.namespace,
        deployment: ref.name,
        service: options.services[service],
        node: options.nodes[node].id,
        window,
      };
      METRIC_FEATURES.forEach((feature, f) => {
        const at = (node * S + service) * F + f;
        add(`${feature} ${ref.namespace}/${ref.name}`, {
          key: feature,
          values,
          apply: (v) => {
            snap.features[at] = v;
            present[at] = 1;
          },
        });
      });
    }
    return jobs;
  }

  async #runQueries(jobs: Job[], snap: Snapshot): Promise<void> {
    let down: string | undefined;
    let skipped = 0;
    await mapLimit(jobs, {
      limit: this.#o.options.prometheus.concurrency,
      fn: async (job) => {
        if (down !== undefined) {
          skipped++;
          snap.metricErrors++;
          return;
        }
        try {
          const response = await this.#o.prometheus.query(job.promql, { time: snap.time, name: job.name });
          if (!job.apply(response.result)) snap.missingMetrics++;
        } catch (error) {
          snap.metricErrors++;
          if (error instanceof PrometheusError && error.errorType === "bad_data") {
            snap.badQueries.push(`${job.where} (${job.name}): ${error.message}`);
          } else if (!(error instanceof PrometheusError) || error.status >= 500) {
            down ??= error instanceof Error ? error.message : String(error);
          }
          this.#log({ event: "metric-error", query: job.name, error });
        }
      },
    });
    if (skipped > 0) {
      this.#log({ event: "metrics-skipped", queries: skipped, reason: `Prometheus failing: ${down}` });
    }
  }

  #applyCalls(result: PromResult, calls: Float32Array): boolean {
    if (result.resultType !== "vector") return false;
    const S = this.#S, L = this.#labels;
    for (const sample of result.samples) {
      if (!Number.isFinite(sample.value)) continue;
      const from = this.#o.mapping.find(sample.metric[L.sourceNamespace], sample.metric[L.source] ?? "");
      const to = this.#o.mapping.find(
        sample.metric[L.destinationNamespace],
        sample.metric[L.destination] ?? "",
      );
      if (!from || !to) continue;
      calls[from.node * S * S + from.service * S + to.service] += sample.value;
    }
    return true;
  }

  #log(entry: { event: string; error?: unknown } & Record<string, unknown>): void {
    const { error, ...rest } = entry;
    const line = error === undefined ? rest : { ...rest, error: this.#o.redactor.error(error).message };
    this.#o.log(this.#o.redactor.text(JSON.stringify({ source: "k8s", ...line })));
  }
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
