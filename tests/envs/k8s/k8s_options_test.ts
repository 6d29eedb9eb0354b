import { deepEqual, equal, throws } from "node:assert/strict";
import { InputError } from "../../../core/errors.ts";
import { resolveK8sOptions } from "../../../envs/k8s/k8s_options.ts";
import { k8sPlugin } from "../../../envs/k8s/plugin.ts";
import { DEFAULT_QUERIES, fillTemplate, regexAlternation } from "../../../envs/k8s/queries.ts";

Deno.test("k8s options: defaults are filled in, nested ones included", () => {
  const o = resolveK8sOptions({ nodes: [{ id: "edge-0" }], services: ["web"] });
  deepEqual(o.nodes, [{ id: "edge-0", kind: "edge", capacity: 1000 }]);
  deepEqual([
    o.namespace,
    o.deploymentPattern,
    o.minReplicas,
    o.maxReplicas,
    o.stepSeconds,
    o.sloMs,
    o.dryRun,
  ], [
    "default",
    "{service}-{node}",
    1,
    10,
    15,
    500,
    false,
  ]);
  deepEqual(o.prometheus, {
    url: "http://localhost:9090",
    window: "1m",
    concurrency: 8,
    queries: {},
    callLabels: {},
  });
  deepEqual(o.retry, { attempts: 4, initialDelayMs: 250, maxDelayMs: 4000, timeoutMs: 5000 });
  deepEqual(o.kubernetes, { credentials: "auto" });
  deepEqual(o.reward, { violation: 1, replica: 0.1 });
  deepEqual(o.requiredFeatures, ["cpuUtilization"]);
});

Deno.test("k8s options: unknown keys, typos and inconsistent values are InputErrors naming the field", () => {
  const base = { nodes: [{ id: "a" }, { id: "b" }], services: ["web"] };
  throws(() => resolveK8sOptions({ ...base, dryrun: true }), /must NOT have additional properties "dryrun"/);
  throws(
    () => resolveK8sOptions({ ...base, prometheus: { urll: "x" } }),
    /\/prometheus must NOT have additional properties "urll"/,
  );
  throws(
    () => resolveK8sOptions({ ...base, minReplicas: 5, maxReplicas: 2 }),
    /minReplicas \(5\) exceeds maxReplicas \(2\)/,
  );
  throws(
    () => resolveK8sOptions({ ...base, nodes: [{ id: "a" }, { id: "a" }] }),
    /nodes: id "a" appears twice/,
  );
  throws(() => resolveK8sOptions({ ...base, entryServices: ["db"] }), /entryServices: unknown service "db"/);
  throws(() => resolveK8sOptions({ ...base, links: [[0, 1]] }), /links must be a 2×2 matrix/);
  throws(() => resolveK8sOptions({ ...base, prometheus: { window: "1 minute" } }), /prometheus.window/);
  throws(() => resolveK8sOptions({ services: ["web"] }), InputError);
});

Deno.test("k8s plugin: name, kind and a closed options schema", () => {
  equal(k8sPlugin.name, "k8s");
  equal(k8sPlugin.kind, "environment");
  equal(k8sPlugin.options?.additionalProperties, false);
});

Deno.test("queries: placeholders are filled, PromQL braces kept, regexes escaped", () => {
  equal(
    fillTemplate(DEFAULT_QUERIES.arrivalRate, {
      values: { namespace: "shop", deployment: "web", window: "1m" },
      where: "q",
    }),
    `sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload="web"}[1m]))`,
  );
  throws(
    () =>
      fillTemplate(DEFAULT_QUERIES.calls, { values: { window: "1m" }, where: "prometheus.queries.calls" }),
    /prometheus.queries.calls: placeholder \{namespaces\} is not available/,
  );
  equal(regexAlternation(["web", "api.v2", "web"]), "web|api\\\\.v2");
});
