/**
 * Options of the Kubernetes environment: the JSON Schema the pipeline validates (defaults and
 * descriptions included, unknown keys refused) and their resolution with defaults filled in.
 *
 * @module
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { InputError } from "../../core/errors.ts";
import type { NodeKind } from "../../core/environment.ts";
import type { JsonSchema } from "../../core/plugin.ts";
import { type CallLabels, DEFAULT_CALL_LABELS, DEFAULT_QUERIES, type QueryTemplates } from "./queries.ts";
import type { RetryOptions } from "./retry.ts";

/** Options of the `k8s` environment, defaults filled in (see {@linkcode K8S_OPTIONS_SCHEMA}). */
export interface K8sOptions {
  /** The agents: one per cluster node (or node pool, zone, site) whose deployments it scales. */
  nodes: { id: string; kind: NodeKind; capacity: number }[];
  /** Service names; the same list on every node. */
  services: string[];
  /** Namespace of deployments named without one. */
  namespace: string;
  /** Namespaces the environment may touch (default: just `namespace`). */
  allowedNamespaces?: string[];
  /** Deployment of (node, service): `{service}`, `{node}`, `{namespace}` placeholders, optional `namespace/` prefix. */
  deploymentPattern: string;
  /** Explicit node → service → `name` / `namespace/name` / `null` (not hosted); overrides the pattern. */
  deployments?: Record<string, Record<string, string | null>>;
  /** Lowest replicas of every deployment. */
  minReplicas: number;
  /** Highest replicas of every deployment. */
  maxReplicas: number;
  /** Per-service overrides of the bounds. */
  replicaBounds?: Record<string, { min?: number; max?: number }>;
  /** Services that receive the requests entering the cluster (default: the first service). */
  entryServices?: string[];
  /** One-way latency between nodes in ms, `[A][A]`; `null` where two nodes cannot talk (default: all 0). */
  links?: (number | null)[][];
  /** Seconds between applying replicas and reading the metrics. */
  stepSeconds: number;
  /** End-to-end latency objective in ms. */
  sloMs: number;
  /** The `le` label of the latency bucket at the SLO (default: `sloMs` as written, e.g. `"500"`). */
  sloBucket?: string;
  /** Read and log, never patch. */
  dryRun: boolean;
  /** Metrics older than this when acting on them (seconds) are stale: replicas are kept. */
  maxMetricAgeSeconds: number;
  /** Features that must be present for a deployment to be scaled (else its replicas are kept). */
  requiredFeatures: string[];
  /** Where and how to read metrics. */
  prometheus: {
    url: string;
    window: string;
    concurrency: number;
    queries: Partial<QueryTemplates>;
    callLabels: Partial<CallLabels>;
  };
  /** How to reach the API server. */
  kubernetes: { credentials: "auto" | "kubeconfig" | "in-cluster"; kubeconfig?: string; context?: string };
  /** Time-outs and retries of both APIs. */
  retry: RetryOptions;
  /** Reward weights: `r_a = −(violation · V_a + replica · R_a)`. */
  reward: { violation: number; replica: number };
}

const integer = (description: string, minimum: number, def?: number) => ({
  type: "integer",
  minimum,
  description,
  ...(def === undefined ? {} : { default: def }),
});

const queryProps = Object.fromEntries(
  Object.keys(DEFAULT_QUERIES).map((k) => [k, { type: "string", description: `PromQL template for ${k}.` }]),
);
const labelProps = Object.fromEntries(
  Object.keys(DEFAULT_CALL_LABELS).map((
    k,
  ) => [k, { type: "string", description: `Label name of the ${k}.` }]),
);

/** JSON Schema (2020-12) of {@linkcode K8sOptions}. */
export const K8S_OPTIONS_SCHEMA: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["nodes", "services"],
  properties: {
    nodes: {
      type: "array",
      minItems: 1,
      description: "The agents: one per cluster node (or node pool, zone, site) whose deployments it scales.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id"],
        properties: {
          id: { type: "string", minLength: 1, description: "Node id, used in the deployment pattern." },
          kind: { enum: ["edge", "cloud"], default: "edge", description: "Edge server or cloud." },
          capacity: integer("Most replicas, summed over services, the node may run.", 1, 1000),
        },
      },
    },
    services: {
      type: "array",
      minItems: 1,
      items: { type: "string", minLength: 1 },
      description: "Service names; the same list on every node.",
    },
    namespace: {
      type: "string",
      default: "default",
      description: "Namespace of deployments named without one.",
    },
    allowedNamespaces: {
      type: "array",
      items: { type: "string" },
      description: "Namespaces the environment may touch (default: just `namespace`).",
    },
    deploymentPattern: {
      type: "string",
      default: "{service}-{node}",
      description:
        "Deployment of (node, service): {service}, {node}, {namespace}; may start with `namespace/`.",
    },
    deployments: {
      type: "object",
      additionalProperties: { type: "object", additionalProperties: { type: ["string", "null"] } },
      description:
        "Explicit node → service → `name`, `namespace/name` or null (not hosted); overrides the pattern.",
    },
    minReplicas: integer("Lowest replicas of every deployment.", 0, 1),
    maxReplicas: integer("Highest replicas of every deployment.", 0, 10),
    replicaBounds: {
      type: "object",
      description: "Per-service overrides of minReplicas/maxReplicas.",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: { min: integer("Lowest replicas.", 0), max: integer("Highest replicas.", 0) },
      },
    },
    entryServices: {
      type: "array",
      items: { type: "string" },
      description: "Services receiving the requests that enter the cluster (default: the first service).",
    },
    links: {
      type: "array",
      items: { type: "array", items: { type: ["number", "null"], minimum: 0 } },
      description:
        "One-way latency between nodes in ms, [A][A]; null where two nodes cannot talk (default: all 0).",
    },
    stepSeconds: {
      type: "number",
      exclusiveMinimum: 0,
      default: 15,
      description: "Seconds per control step.",
    },
    sloMs: {
      type: "number",
      exclusiveMinimum: 0,
      default: 500,
      description: "End-to-end latency objective (ms).",
    },
    sloBucket: {
      type: "string",
      description: '`le` label of the latency bucket at the SLO (default: sloMs as written, e.g. "500").',
    },
    dryRun: {
      type: "boolean",
      default: false,
      description: "Read and log what would be scaled; never patch.",
    },
    maxMetricAgeSeconds: {
      type: "number",
      exclusiveMinimum: 0,
      default: 60,
      description: "Metrics older than this when acted on are stale: replicas are kept.",
    },
    requiredFeatures: {
      type: "array",
      items: { enum: ["cpuUtilization", "arrivalRate", "p95LatencyMs", "droppedRate"] },
      default: ["cpuUtilization"],
      description: "Features that must be read for a deployment to be scaled (else its replicas are kept).",
    },
    prometheus: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "Where and how to read metrics.",
      properties: {
        url: { type: "string", default: "http://localhost:9090", description: "Prometheus base URL." },
        window: { type: "string", default: "1m", description: "Range of rate() windows ({window})." },
        concurrency: integer("Queries in flight at once.", 1, 8),
        queries: {
          type: "object",
          additionalProperties: false,
          default: {},
          properties: queryProps,
          description: "PromQL templates overriding the defaults (Istio, cAdvisor, kube-state-metrics).",
        },
        callLabels: {
          type: "object",
          additionalProperties: false,
          default: {},
          properties: labelProps,
          description: "Label names of the calls query's samples (default: Istio's workload labels).",
        },
      },
    },
    kubernetes: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "How to reach the API server.",
      properties: {
        credentials: {
          enum: ["auto", "kubeconfig", "in-cluster"],
          default: "auto",
          description:
            "auto: the kubeconfig if named, else in-cluster in a pod, else $KUBECONFIG or ~/.kube/config.",
        },
        kubeconfig: { type: "string", description: "Kubeconfig path (relative to the pipeline file)." },
        context: { type: "string", description: "Kubeconfig context (default: current-context)." },
      },
    },
    retry: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "Time-outs and bounded retries (429, 409, 5xx, time-outs) of both APIs.",
      properties: {
        attempts: integer("Tries in all.", 1, 4),
        initialDelayMs: {
          type: "number",
          minimum: 0,
          default: 250,
          description: "First back-off (ms), doubled.",
        },
        maxDelayMs: { type: "number", minimum: 0, default: 4000, description: "Longest back-off (ms)." },
        timeoutMs: {
          type: "number",
          exclusiveMinimum: 0,
          default: 5000,
          description: "Time-out of one try (ms).",
        },
      },
    },
    reward: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "r_a = −(violation · SLO-violating req/s entering at node a + replica · replicas on a).",
      properties: {
        violation: {
          type: "number",
          minimum: 0,
          default: 1,
          description: "Cost of one violating request/s.",
        },
        replica: { type: "number", minimum: 0, default: 0.1, description: "Cost of one replica per step." },
      },
    },
  },
};

let validate: ReturnType<Ajv2020["compile"]> | undefined;

/**
 * Validates `options` against {@linkcode K8S_OPTIONS_SCHEMA}, fills the defaults (on a copy) and checks
 * what the schema cannot (unique ids, known services, bounds, the links' shape). Problems are an
 * {@linkcode InputError} naming the field.
 */
export function resolveK8sOptions(options: unknown): K8sOptions {
  validate ??= new Ajv2020({ useDefaults: true, allErrors: true, strict: false }).compile(K8S_OPTIONS_SCHEMA);
  const copy = structuredClone(options ?? {});
  if (!validate(copy)) {
    const problems = (validate.errors ?? []).map((e) =>
      `${e.instancePath || "(options)"} ${e.message}${
        e.keyword === "additionalProperties"
          ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"`
          : ""
      }`
    );
    throw new InputError(`k8s environment options: ${problems.join("; ")}`);
  }
  const o = copy as K8sOptions;
  const ids = o.nodes.map((n) => n.id);
  const dupNode = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dupNode) throw new InputError(`nodes: id "${dupNode}" appears twice`);
  const dupService = o.services.find((s, i) => o.services.indexOf(s) !== i);
  if (dupService) throw new InputError(`services: "${dupService}" appears twice`);
  for (
    const [field, list] of [["entryServices", o.entryServices], [
      "replicaBounds",
      Object.keys(o.replicaBounds ?? {}),
    ]] as const
  ) {
    for (const s of list ?? []) {
      if (!o.services.includes(s)) {
        throw new InputError(`${field}: unknown service "${s}" (services: ${o.services.join(", ")})`);
      }
    }
  }
  if (o.minReplicas > o.maxReplicas) {
    throw new InputError(`minReplicas (${o.minReplicas}) exceeds maxReplicas (${o.maxReplicas})`);
  }
  for (const [s, b] of Object.entries(o.replicaBounds ?? {})) {
    if ((b.min ?? o.minReplicas) > (b.max ?? o.maxReplicas)) {
      throw new InputError(`replicaBounds.${s}: min exceeds max`);
    }
  }
  if (o.links && (o.links.length !== ids.length || o.links.some((row) => row.length !== ids.length))) {
    throw new InputError(`links must be a ${ids.length}×${ids.length} matrix (one row and column per node)`);
  }
  if (!/^[0-9]+(ms|s|m|h|d|w|y)$/.test(o.prometheus.window)) {
    throw new InputError(
      `prometheus.window: "${o.prometheus.window}" is not a PromQL duration such as 30s or 1m`,
    );
  }
  return o;
}
