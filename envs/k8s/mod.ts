/**
 * The Kubernetes environment: a real cluster scaled through the API server's `deployments/{name}/scale`
 * subresource and observed through Prometheus' HTTP API. Register {@linkcode k8sPlugin} (name `k8s`).
 *
 * @example Options a pipeline's `env` section takes
 * ```ts
 * import { resolveK8sOptions } from "./mod.ts";
 * const options = resolveK8sOptions({
 *   nodes: [{ id: "edge-0", kind: "edge", capacity: 8 }, { id: "cloud", kind: "cloud", capacity: 64 }],
 *   services: ["frontend", "cart"],
 *   namespace: "shop",
 *   dryRun: true,
 * });
 * console.assert(options.deploymentPattern === "{service}-{node}");
 * console.assert(options.prometheus.window === "1m");
 * ```
 *
 * @module
 */
export { k8sPlugin } from "./plugin.ts";
export { K8S_EXTRA_METRICS, K8sEnvironment, type K8sRuntime } from "./k8s_environment.ts";
export { K8S_OPTIONS_SCHEMA, type K8sOptions, resolveK8sOptions } from "./k8s_options.ts";
export {
  DeploymentMapping,
  type DeploymentMappingOptions,
  type DeploymentRef,
} from "./deployment_mapping.ts";
export {
  type ApiCall,
  type DeploymentState,
  K8S_API_CALLS,
  KubeApiError,
  KubeClient,
  type KubeClientOptions,
  parseCpuQuantity,
  type Scale,
} from "./kube_client.ts";
export {
  type CredentialOptions,
  type KubeCredentials,
  loadInClusterCredentials,
  loadKubeconfig,
  resolveKubeCredentials,
  SERVICE_ACCOUNT_DIR,
} from "./kubeconfig.ts";
export { PrometheusClient, type PrometheusClientOptions, type QueryOptions } from "./prometheus_client.ts";
export {
  parsePrometheusResponse,
  parseSampleValue,
  PrometheusError,
  type PromResponse,
  type PromResult,
  type PromSample,
  type PromSeries,
  resultValue,
} from "./prometheus_response.ts";
export {
  type CallLabels,
  DEFAULT_CALL_LABELS,
  DEFAULT_QUERIES,
  fillTemplate,
  type Placeholder,
  PLACEHOLDERS,
  type QueryTemplates,
  regexAlternation,
} from "./queries.ts";
export { REDACTED, Redactor } from "./redactor.ts";
export {
  DEFAULT_RETRY,
  type HttpAnswer,
  isTransientStatus,
  type RequestOptions,
  requestWithRetry,
  type RetryOptions,
} from "./retry.ts";
