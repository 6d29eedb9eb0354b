/**
 * The `k8s` environment plugin.
 *
 * @module
 */
import { defineEnvironment, type EnvironmentPlugin } from "../../core/plugin.ts";
import { K8sEnvironment } from "./k8s_environment.ts";
import { K8S_OPTIONS_SCHEMA, type K8sOptions } from "./k8s_options.ts";

/** A real Kubernetes cluster: scales deployments through the API server, reads metrics from Prometheus. */
export const k8sPlugin: EnvironmentPlugin<K8sOptions> = defineEnvironment<K8sOptions>({
  name: "k8s",
  description:
    "A real Kubernetes cluster: scales deployments through the scale subresource and reads features from Prometheus (dry-run, bounds, namespace allow-list).",
  options: K8S_OPTIONS_SCHEMA,
  create(options, context) {
    return K8sEnvironment.create(options, {
      seed: context.seed,
      baseDir: context.baseDir,
      episodeLength: context.episodeLength,
    });
  },
});
