/** examples/k8s parses, and its RBAC grants exactly the API calls the code makes. */
import { deepEqual, equal, ok } from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { resolveK8sOptions } from "../../../envs/k8s/k8s_options.ts";
import { K8S_API_CALLS } from "../../../envs/k8s/kube_client.ts";

const DIR = new URL("../../../examples/k8s/", import.meta.url);

// deno-lint-ignore no-explicit-any
type Manifest = Record<string, any>;

async function manifests(file: string): Promise<Manifest[]> {
  const docs = parseAllDocuments(await Deno.readTextFile(new URL(file, DIR)));
  if (!Array.isArray(docs)) throw new Error(`${file}: no documents`);
  for (const d of docs) deepEqual(d.errors.map(String), [], `${file} has YAML errors`);
  return docs.map((d) => d.toJS() as Manifest);
}

Deno.test("examples/k8s: the Role grants exactly K8S_API_CALLS, bound to the agent's service account", async () => {
  const docs = await manifests("rbac.yaml");
  deepEqual(docs.map((d) => d.kind), ["ServiceAccount", "Role", "RoleBinding"]);
  const [account, role, binding] = docs;
  const granted = role.rules.flatMap((r: Manifest) =>
    r.apiGroups.flatMap((g: string) =>
      r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${g}|${res}|${v}`))
    )
  ).sort();
  const used = K8S_API_CALLS.map((c) => `${c.apiGroup}|${c.resource}|${c.verb}`).sort();
  deepEqual(granted, used);
  deepEqual(used, ["apps|deployments/scale|get", "apps|deployments/scale|patch", "apps|deployments|get"]);
  deepEqual(binding.roleRef, {
    apiGroup: "rbac.authorization.k8s.io",
    kind: "Role",
    name: role.metadata.name,
  });
  deepEqual(binding.subjects, [{
    kind: "ServiceAccount",
    name: account.metadata.name,
    namespace: account.metadata.namespace,
  }]);
  equal(new Set(docs.map((d) => d.metadata.namespace)).size, 1);
});

Deno.test("examples/k8s: the Deployment runs `deno task run` on the pipeline with that service account", async () => {
  const [rbacAccount] = await manifests("rbac.yaml");
  const [deployment] = await manifests("deployment.yaml");
  equal(deployment.kind, "Deployment");
  equal(deployment.apiVersion, "apps/v1");
  const pod = deployment.spec.template.spec;
  equal(pod.serviceAccountName, rbacAccount.metadata.name);
  equal(deployment.metadata.namespace, rbacAccount.metadata.namespace);
  deepEqual(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels);
  deepEqual(pod.containers[0].command, ["deno", "task", "run", "examples/k8s/pipeline.json"]);
  ok(pod.terminationGracePeriodSeconds > 15, "a step in flight can finish");
});

Deno.test("examples/k8s: the pipeline's k8s options resolve and stay in the RBAC's namespace", async () => {
  const pipeline = JSON.parse(await Deno.readTextFile(new URL("pipeline.json", DIR)));
  equal(pipeline.env.plugin, "k8s");
  equal(pipeline.policy.plugin, "hpa");
  const options = resolveK8sOptions(pipeline.env.options);
  const [account] = await manifests("rbac.yaml");
  deepEqual(options.allowedNamespaces, [account.metadata.namespace]);
  equal(options.namespace, account.metadata.namespace);
  equal(options.kubernetes.credentials, "in-cluster");
});

Deno.test("examples/k8s: the Dockerfile builds on denoland/deno, installs, and runs `deno task run`", async () => {
  const text = await Deno.readTextFile(new URL("Dockerfile", DIR));
  ok(/^FROM denoland\/deno:\S+$/m.test(text));
  ok(/^RUN deno install\b/m.test(text));
  ok(text.includes(`CMD ["deno", "task", "run", "examples/k8s/pipeline.json"]`));
});
