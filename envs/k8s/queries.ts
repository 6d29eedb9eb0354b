/**
 * PromQL templates the Kubernetes environment reads its features and metrics with, and how their
 * placeholders are filled in.
 *
 * Per-deployment templates (`cpuUtilization`, `arrivalRate`, `p95LatencyMs`, `droppedRate`) get
 * `{namespace}`, `{deployment}`, `{service}`, `{node}` and `{window}`. Group templates (`latencyQuantile`,
 * `sloViolation`) get `{namespaces}` and `{deployments}` (anchored regex alternations for `=~`),
 * `{quantile}`, `{sloBucket}` and `{window}`. `calls` gets `{namespaces}` and `{window}` and must return one
 * sample per caller→callee pair, labelled as `callLabels` says. Only these names are replaced, so PromQL's
 * own braces (`metric{label="x"}`) stay as they are.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";

/** The PromQL templates, one per feature or metric. */
export interface QueryTemplates {
  /** Fraction of requested CPU in use by the deployment's pods (cAdvisor usage rate over requests). */
  cpuUtilization: string;
  /** Requests per second the deployment receives. */
  arrivalRate: string;
  /** The deployment's own 95th-percentile latency in milliseconds. */
  p95LatencyMs: string;
  /** Requests per second the deployment failed (dropped), e.g. 5xx answers. */
  droppedRate: string;
  /** Latency quantile `{quantile}` in milliseconds over the entry deployments `{deployments}`. */
  latencyQuantile: string;
  /** Fraction of requests to `{deployments}` slower than the SLO bucket `{sloBucket}`. */
  sloViolation: string;
  /** Call rates between workloads, one sample per (caller, callee), in requests per second. */
  calls: string;
}

/** Label names of the `calls` query's samples. */
export interface CallLabels {
  /** Caller's namespace label (a sample without it matches by name alone). */
  sourceNamespace: string;
  /** Caller's workload (deployment) label. */
  source: string;
  /** Callee's namespace label. */
  destinationNamespace: string;
  /** Callee's workload (deployment) label. */
  destination: string;
}

const DEST = `reporter="destination",destination_workload_namespace="{namespace}",` +
  `destination_workload="{deployment}"`;
const GROUP = `reporter="destination",destination_workload_namespace=~"{namespaces}",` +
  `destination_workload=~"{deployments}"`;
const PODS = `namespace="{namespace}",pod=~"{deployment}-[a-z0-9]+-[a-z0-9]+"`;

/**
 * Defaults for Istio's standard metrics, cAdvisor and kube-state-metrics:
 * `container_cpu_usage_seconds_total`, `kube_pod_container_resource_requests`, `istio_requests_total`
 * and `istio_request_duration_milliseconds` (a histogram).
 */
export const DEFAULT_QUERIES: QueryTemplates = {
  cpuUtilization:
    `sum(rate(container_cpu_usage_seconds_total{${PODS},container!="",container!="POD"}[{window}])) / ` +
    `sum(kube_pod_container_resource_requests{${PODS},resource="cpu"})`,
  arrivalRate: `sum(rate(istio_requests_total{${DEST}}[{window}]))`,
  p95LatencyMs:
    `histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${DEST}}[{window}])))`,
  droppedRate: `sum(rate(istio_requests_total{${DEST},response_code=~"5.."}[{window}]))`,
  latencyQuantile: `histogram_quantile({quantile}, sum by (le) ` +
    `(rate(istio_request_duration_milliseconds_bucket{${GROUP}}[{window}])))`,
  sloViolation:
    `1 - sum(rate(istio_request_duration_milliseconds_bucket{${GROUP},le="{sloBucket}"}[{window}])) / ` +
    `sum(rate(istio_request_duration_milliseconds_count{${GROUP}}[{window}]))`,
  calls: `sum by (source_workload_namespace, source_workload, destination_workload_namespace, ` +
    `destination_workload) (rate(istio_requests_total{reporter="source",` +
    `source_workload_namespace=~"{namespaces}"}[{window}]))`,
};

/** Istio's label names for {@linkcode CallLabels}. */
export const DEFAULT_CALL_LABELS: CallLabels = {
  sourceNamespace: "source_workload_namespace",
  source: "source_workload",
  destinationNamespace: "destination_workload_namespace",
  destination: "destination_workload",
};

/** Every placeholder name a template may use. */
export const PLACEHOLDERS = [
  "namespace",
  "deployment",
  "service",
  "node",
  "window",
  "namespaces",
  "deployments",
  "quantile",
  "sloBucket",
] as const;

/** One of {@linkcode PLACEHOLDERS}. */
export type Placeholder = typeof PLACEHOLDERS[number];

/**
 * Replaces `{name}` for each known placeholder given in `values`. A known placeholder the template uses
 * but `values` lacks is an {@linkcode InputError} naming `where` (e.g. `prometheus.queries.calls`).
 */
export function fillTemplate(
  template: string,
  options: { values: Partial<Record<Placeholder, string>>; where: string },
): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) return whole;
    const value = options.values[name as Placeholder];
    if (value === undefined) {
      throw new InputError(
        `${options.where}: placeholder {${name}} is not available in this query (available: ${
          Object.keys(options.values).map((k) => `{${k}}`).join(", ")
        })`,
      );
    }
    return value;
  });
}

/** An alternation of `names` for a PromQL `=~` matcher (regex dots escaped for the PromQL string). */
export function regexAlternation(names: readonly string[]): string {
  const unique = [...new Set(names)];
  return unique.map((n) => n.replace(/[.\\^$|?*+()[\]{}]/g, (c) => `\\\\${c}`)).join("|");
}
