/**
 * A real Kubernetes cluster as an {@linkcode Environment}: a step patches the deployments' scale
 * subresources, waits `stepSeconds`, then reads replicas from the API server and features from
 * Prometheus.
 *
 * Safety: replicas are clamped to the per-service bounds and node capacity; a dry run reads and logs but
 * never patches; deployments outside `allowedNamespaces` are refused at creation; a deployment whose
 * required metrics are missing, or whose metrics are older than `maxMetricAgeSeconds`, keeps its replicas
 * (as the HPA does); failures are counted in the step's metrics and logged without secrets.
 *
 * Reward of node `a`: `r_a = −(reward.violation · V_a + reward.replica · R_a)` where `V_a` is the rate
 * (req/s) of requests entering at `a` (the arrival rate of its entry services) times the fraction of them
 * slower than the SLO, and `R_a` is the replicas running on `a`.
 *
 * @module
 */
import {
  type Environment,
  type EnvSpec,
  type Observation,
  STANDARD_SERVICE_FEATURES,
  type StepMetrics,
  type StepResult,
} from "../../core/environment.ts";
import { RuntimeError } from "../../core/errors.ts";
import { Random } from "../../core/random.ts";
import { ClusterReader, METRIC_FEATURES, type Snapshot } from "./_cluster_reader.ts";
import { mapLimit } from "./_pool.ts";
import { DeploymentMapping } from "./deployment_mapping.ts";
import { type K8sOptions, resolveK8sOptions } from "./k8s_options.ts";
import { type KubeCredentials, resolveKubeCredentials } from "./kubeconfig.ts";
import { KubeClient } from "./kube_client.ts";
import { PrometheusClient } from "./prometheus_client.ts";
import { Redactor } from "./redactor.ts";
import { InputError } from "../../core/errors.ts";

/** What {@linkcode K8sEnvironment.create} takes besides the options; every field is optional. */
export interface K8sRuntime {
  /** Waits (default: a timer); tests make it instant. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
  /** Where log lines go (default: stderr). Lines never contain the token. */
  log?: (line: string) => void;
  /** Seed of the back-off jitter. */
  seed?: number;
  /** Folder relative paths (the kubeconfig) resolve against. */
  baseDir?: string;
  /** Steps after which `truncated` is set (0 or absent: never). */
  episodeLength?: number;
  /** Credentials to use instead of loading them. */
  credentials?: KubeCredentials;
  /** In-cluster service-account folder (tests). */
  serviceAccountDir?: string;
  /** Environment variables (default `Deno.env.get`). */
  env?: (name: string) => string | undefined;
}

/** The names of the extra metrics every step reports besides the standard ones. */
export const K8S_EXTRA_METRICS = [
  "scaleErrors",
  "metricErrors",
  "missingMetrics",
  "heldScales",
  "scaled",
  "wouldScale",
  "readyReplicas",
] as const;

/** A Kubernetes cluster scaled through its API and observed through Prometheus. */
export class K8sEnvironment implements Environment {
  /** The fixed description of nodes, services and features. */
  readonly spec: EnvSpec;
  #o: K8sOptions;
  #mapping: DeploymentMapping;
  #kube: KubeClient;
  #reader: ClusterReader;
  #redactor: Redactor;
  #log: (line: string) => void;
  #sleep: (ms: number) => Promise<void>;
  #now: () => number;
  #episodeLength: number;
  #entry: number[];
  #links: Float32Array;
  #linkMask: Uint8Array;
  #snapshot?: Snapshot;
  #steps = 0;
  #closed = false;
  #validated = false;

  /** Loads credentials and makes the environment; bad options are an {@linkcode InputError}. */
  static async create(options: unknown, runtime: K8sRuntime = {}): Promise<K8sEnvironment> {
    const o = resolveK8sOptions(options);
    const kubeconfig = o.kubernetes.kubeconfig && runtime.baseDir && !o.kubernetes.kubeconfig.startsWith("/")
      ? `${runtime.baseDir}/${o.kubernetes.kubeconfig}`
      : o.kubernetes.kubeconfig;
    const mapping = new DeploymentMapping({
      nodes: o.nodes.map((n) => n.id),
      services: o.services,
      namespace: o.namespace,
      pattern: o.deploymentPattern,
      table: o.deployments,
      allowedNamespaces: o.allowedNamespaces,
    });
    const credentials = runtime.credentials ?? await resolveKubeCredentials({
      credentials: o.kubernetes.credentials,
      kubeconfig,
      context: o.kubernetes.context,
      serviceAccountDir: runtime.serviceAccountDir,
      env: runtime.env,
    });
    return new K8sEnvironment({ options: o, mapping, credentials, runtime });
  }

  private constructor(
    init: {
      options: K8sOptions;
      mapping: DeploymentMapping;
      credentials: KubeCredentials;
      runtime: K8sRuntime;
    },
  ) {
    const { options: o, runtime } = init;
    this.#o = o;
    this.#mapping = init.mapping;
    this.#redactor = new Redactor();
    this.#redactor.add(init.credentials.token);
    const log = runtime.log ?? ((line: string) => console.error(line));
    this.#log = (line) => log(this.#redactor.text(line));
    this.#sleep = runtime.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = runtime.now ?? (() => Date.now());
    this.#episodeLength = runtime.episodeLength ?? 0;
    const random = new Random(runtime.seed ?? 0);
    const onRetry = (message: string) =>
      this.#log(JSON.stringify({ source: "k8s", event: "retry", message }));
    this.#kube = new KubeClient(init.credentials, {
      retry: o.retry,
      sleep: this.#sleep,
      random: random.fork(),
      redactor: this.#redactor,
      onRetry,
    });
    const prometheus = new PrometheusClient({
      url: o.prometheus.url,
      retry: o.retry,
      sleep: this.#sleep,
      random: random.fork(),
      onRetry,
    });
    const A = o.nodes.length, S = o.services.length;
    this.#entry = (o.entryServices ?? [o.services[0]]).map((s) => o.services.indexOf(s));
    const minReplicas = new Int32Array(A * S), maxReplicas = new Int32Array(A * S);
    for (let a = 0; a < A; a++) {
      for (let s = 0; s < S; s++) {
        const hosted = init.mapping.get(a, s) !== undefined;
        const b = o.replicaBounds?.[o.services[s]];
        minReplicas[a * S + s] = hosted ? b?.min ?? o.minReplicas : 0;
        maxReplicas[a * S + s] = hosted ? b?.max ?? o.maxReplicas : 0;
      }
    }
    this.#links = new Float32Array(A * A);
    this.#linkMask = new Uint8Array(A * A).fill(1);
    for (let i = 0; i < A; i++) {
      for (let j = 0; j < A; j++) {
        const v = i === j ? 0 : o.links?.[i][j] ?? 0;
        this.#links[i * A + j] = v ?? 0;
        this.#linkMask[i * A + j] = v === null ? 0 : 1;
      }
    }
    this.spec = {
      nodes: o.nodes.map((n) => ({ ...n })),
      services: [...o.services],
      serviceFeatures: [...STANDARD_SERVICE_FEATURES],
      nodeFeatures: ["capacityUsed"],
      minReplicas,
      maxReplicas,
      stepSeconds: o.stepSeconds,
      sloMs: o.sloMs,
    };
    this.#reader = new ClusterReader({
      options: o,
      mapping: init.mapping,
      kube: this.#kube,
      prometheus,
      redactor: this.#redactor,
      entryServices: this.#entry,
      now: this.#now,
      log: this.#log,
    });
  }

  /**
   * Reads the cluster as it is (nothing is changed). The first reset also checks the PromQL templates:
   * one Prometheus rejects as malformed is an {@linkcode InputError} naming the option.
   */
  async reset(): Promise<Observation> {
    this.#assertOpen();
    this.#snapshot = await this.#reader.read();
    if (!this.#validated && this.#snapshot.badQueries.length > 0) {
      throw new InputError(`Prometheus rejected a query: ${this.#snapshot.badQueries[0]}`);
    }
    this.#validated = true;
    this.#steps = 0;
    return this.#observation(this.#snapshot);
  }

  /** Applies desired replicas `[A,S]`, waits `stepSeconds`, reads the cluster. */
  async step(desired: Int32Array): Promise<StepResult> {
    this.#assertOpen();
    const before = this.#snapshot;
    if (!before) throw new RuntimeError("k8s environment: call reset() before step()");
    const { nodes, services } = this.spec;
    const A = nodes.length, S = services.length;
    if (!(desired instanceof Int32Array) || desired.length !== A * S) {
      throw new RuntimeError(`k8s environment: step expects an Int32Array of ${A}×${S} desired replicas`);
    }
    if (desired.some((v) => v < 0)) throw new RuntimeError("k8s environment: desired replicas must be ≥ 0");
    const { targets, refused } = this.#plan(desired, before.replicas);
    const stale = this.#now() - before.time > this.#o.maxMetricAgeSeconds * 1000;
    let held = 0;
    for (const { node, service } of this.#mapping.entries()) {
      const i = node * S + service;
      if (targets[i] !== before.replicas[i] && (stale || !before.known[i])) {
        targets[i] = before.replicas[i];
        held++;
      }
    }
    if (held > 0) {
      this.#log(JSON.stringify({
        source: "k8s",
        event: "held",
        deployments: held,
        reason: stale ? "metrics are stale" : "metrics or replicas missing",
      }));
    }
    const applied = await this.#apply(targets, before.replicas);
    await this.#sleep(this.#o.stepSeconds * 1000);
    const after = await this.#reader.read();
    this.#snapshot = after;
    this.#steps++;
    const { rewards, metrics } = this.#score(after);
    Object.assign(metrics, {
      refusedScaleUps: refused,
      heldScales: held,
      scaled: applied.scaled,
      wouldScale: applied.wouldScale,
      scaleErrors: applied.errors + after.apiErrors,
    });
    return {
      observation: this.#observation(after),
      rewards,
      terminated: false,
      truncated: this.#episodeLength > 0 && this.#steps >= this.#episodeLength,
      metrics,
    };
  }

  /** Releases the HTTP clients; `reset` and `step` afterwards throw. */
  close(): Promise<void> {
    this.#closed = true;
    this.#kube.close();
    return Promise.resolve();
  }

  #assertOpen(): void {
    if (this.#closed) throw new RuntimeError("k8s environment is closed");
  }

  /** Clamps to bounds and node capacity (cutting scale-ups from the last service backwards). */
  #plan(desired: Int32Array, current: Int32Array): { targets: Int32Array; refused: number } {
    const { minReplicas, maxReplicas, nodes } = this.spec;
    const S = this.spec.services.length;
    const targets = new Int32Array(desired.length);
    let refused = 0;
    for (let i = 0; i < desired.length; i++) {
      targets[i] = Math.min(maxReplicas[i], Math.max(minReplicas[i], desired[i]));
      refused += Math.max(0, desired[i] - maxReplicas[i]);
    }
    nodes.forEach((node, a) => {
      let excess = -node.capacity;
      for (let s = 0; s < S; s++) excess += targets[a * S + s];
      for (let s = S - 1; s >= 0 && excess > 0; s--) {
        const i = a * S + s;
        const floor = Math.max(minReplicas[i], Math.min(current[i], targets[i]));
        const cut = Math.min(excess, targets[i] - floor);
        if (cut > 0) {
          targets[i] -= cut;
          refused += cut;
          excess -= cut;
        }
      }
    });
    return { targets, refused };
  }

  async #apply(
    targets: Int32Array,
    current: Int32Array,
  ): Promise<{ scaled: number; wouldScale: number; errors: number }> {
    const S = this.spec.services.length;
    const out = { scaled: 0, wouldScale: 0, errors: 0 };
    const changes = this.#mapping.entries().filter(({ node, service }) =>
      targets[node * S + service] !== current[node * S + service]
    );
    await mapLimit(changes, {
      limit: this.#o.prometheus.concurrency,
      fn: async ({ node, service, ref }) => {
        const to = targets[node * S + service];
        const base = {
          source: "k8s",
          node: this.spec.nodes[node].id,
          service: this.spec.services[service],
          deployment: `${ref.namespace}/${ref.name}`,
        };
        try {
          const scale = await this.#kube.getScale(ref.namespace, ref.name);
          const from = scale.spec.replicas;
          if (from === to) return;
          if (this.#o.dryRun) {
            out.wouldScale++;
            this.#log(JSON.stringify({ ...base, event: "dry-run", from, to }));
            return;
          }
          await this.#kube.patchScale(ref.namespace, ref.name, to);
          out.scaled++;
          this.#log(JSON.stringify({ ...base, event: "scaled", from, to }));
        } catch (error) {
          out.errors++;
          this.#log(
            JSON.stringify({ ...base, event: "scale-error", to, error: this.#redactor.error(error).message }),
          );
        }
      },
    });
    return out;
  }

  #score(snap: Snapshot): { rewards: Float32Array; metrics: StepMetrics } {
    const A = this.spec.nodes.length, S = this.spec.services.length, F = METRIC_FEATURES.length;
    const arrival = METRIC_FEATURES.indexOf("arrivalRate"), dropped = METRIC_FEATURES.indexOf("droppedRate");
    const rewards = new Float32Array(A);
    let replicas = 0, ready = 0, cpuSeconds = 0, droppedRate = 0;
    for (let a = 0; a < A; a++) {
      let nodeReplicas = 0, entering = 0;
      for (let s = 0; s < S; s++) {
        const i = a * S + s;
        nodeReplicas += snap.replicas[i];
        ready += snap.ready[i];
        cpuSeconds += snap.replicas[i] * snap.cpuRequest[i] * this.#o.stepSeconds;
        if (this.#entry.includes(s)) {
          entering += snap.features[i * F + arrival];
          droppedRate += snap.features[i * F + dropped];
        }
      }
      replicas += nodeReplicas;
      const violating = entering * snap.nodeViolation[a];
      rewards[a] = -(this.#o.reward.violation * violating + this.#o.reward.replica * nodeReplicas);
    }
    const metrics: StepMetrics = {
      p50LatencyMs: snap.e2e.p50,
      p95LatencyMs: snap.e2e.p95,
      p99LatencyMs: snap.e2e.p99,
      sloViolationRate: snap.e2e.slo,
      droppedRate,
      replicas,
      cpuSeconds,
      refusedScaleUps: 0,
      scaleErrors: snap.apiErrors,
      metricErrors: snap.metricErrors,
      missingMetrics: snap.missingMetrics,
      heldScales: 0,
      scaled: 0,
      wouldScale: 0,
      readyReplicas: ready,
    };
    return { rewards, metrics };
  }

  #observation(snap: Snapshot): Observation {
    const A = this.spec.nodes.length, S = this.spec.services.length, F = STANDARD_SERVICE_FEATURES.length;
    const M = METRIC_FEATURES.length;
    const services = new Float32Array(A * S * F);
    const nodes = new Float32Array(A);
    for (let a = 0; a < A; a++) {
      let used = 0;
      for (let s = 0; s < S; s++) {
        const i = a * S + s;
        services[i * F] = snap.replicas[i];
        services[i * F + 1] = snap.ready[i];
        for (let m = 0; m < M; m++) services[i * F + 2 + m] = snap.features[i * M + m];
        used += snap.replicas[i];
      }
      nodes[a] = used / this.spec.nodes[a].capacity;
    }
    return {
      services,
      calls: snap.calls.slice(),
      nodes,
      links: this.#links.slice(),
      linkMask: this.#linkMask.slice(),
      replicas: snap.replicas.slice(),
    };
  }
}
