import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { InputError } from "../../../core/errors.ts";
import {
  loadInClusterCredentials,
  loadKubeconfig,
  resolveKubeCredentials,
} from "../../../envs/k8s/kubeconfig.ts";
import { caught } from "./_caught.ts";

const CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const b64 = (s: string) => btoa(s);

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "k8s-kubeconfig-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: prod
contexts:
- name: prod
  context: {cluster: prod-cluster, user: agent, namespace: shop}
- name: lab
  context: {cluster: lab-cluster, user: lab-user}
clusters:
- name: prod-cluster
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: ${b64(CA)}
- name: lab-cluster
  cluster:
    server: https://lab.example:6443
    certificate-authority: certs/ca.crt
users:
- name: agent
  user:
    token: abc.def.ghi
- name: lab-user
  user:
    client-certificate: certs/client.crt
    client-key-data: ${b64("KEY")}
`;

Deno.test("kubeconfig: current context with an inline token and CA data", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/config`, KUBECONFIG);
    const c = await loadKubeconfig(`${dir}/config`);
    deepEqual(
      [c.server, c.token, c.caCert, c.namespace, c.clientCert],
      ["https://10.0.0.1:6443", "abc.def.ghi", CA, "shop", undefined],
    );
    equal(c.source, `kubeconfig ${dir}/config (context prod)`);
  });
});

Deno.test("kubeconfig: another context with client certificate files resolved against the file's folder", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/certs`);
    await Deno.writeTextFile(`${dir}/certs/ca.crt`, CA);
    await Deno.writeTextFile(`${dir}/certs/client.crt`, "CERT");
    await Deno.writeTextFile(`${dir}/config`, KUBECONFIG);
    const c = await loadKubeconfig(`${dir}/config`, { context: "lab" });
    deepEqual([c.server, c.caCert, c.clientCert, c.clientKey, c.token], [
      "https://lab.example:6443",
      CA,
      "CERT",
      "KEY",
      undefined,
    ]);
  });
});

Deno.test("kubeconfig: clear errors naming the file and field", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/config`;
    await Deno.writeTextFile(path, KUBECONFIG);
    const unknown = await caught(() => loadKubeconfig(path, { context: "nope" }), InputError);
    equal(unknown.message, `kubeconfig ${path}: contexts: no entry named "nope" (found "prod", "lab")`);
    const missingCa = await caught(() => loadKubeconfig(path, { context: "lab" }), InputError);
    ok(
      missingCa.message.includes(
        `clusters[lab-cluster].cluster.certificate-authority: cannot read ${dir}/certs/ca.crt`,
      ),
    );
    await Deno.mkdir(`${dir}/certs`);
    await Deno.writeTextFile(`${dir}/certs/ca.crt`, CA);
    const missingFile = await caught(() => loadKubeconfig(path, { context: "lab" }), InputError);
    ok(
      missingFile.message.includes(
        `users[lab-user].user.client-certificate: cannot read ${dir}/certs/client.crt`,
      ),
    );
    await Deno.writeTextFile(path, KUBECONFIG.replace("https://10.0.0.1:6443/", "10.0.0.1"));
    const server = await caught(() => loadKubeconfig(path), InputError);
    equal(server.message, `kubeconfig ${path}: clusters[prod-cluster].cluster.server must be an http(s) URL`);
    await Deno.writeTextFile(path, "a: [\n");
    const yaml = await caught(() => loadKubeconfig(path), InputError);
    ok(yaml.message.startsWith(`kubeconfig ${path}: not valid YAML at line`), yaml.message);
    await rejects(() => loadKubeconfig(`${dir}/absent`), /cannot read it/);
  });
});

Deno.test("in-cluster credentials: service account token file, CA and namespace", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/token`, "sa-token\n");
    await Deno.writeTextFile(`${dir}/ca.crt`, CA);
    await Deno.writeTextFile(`${dir}/namespace`, "shop\n");
    const env = (name: string) =>
      ({ KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" })[name];
    const c = await loadInClusterCredentials({ dir, env });
    deepEqual([c.server, c.tokenFile, c.caCert, c.namespace, c.token], [
      "https://10.96.0.1:443",
      `${dir}/token`,
      CA,
      "shop",
      undefined,
    ]);
    // auto picks in-cluster when running in a pod and no kubeconfig is named
    const auto = await resolveKubeCredentials({ serviceAccountDir: dir, env });
    equal(auto.source, `service account ${dir}`);
    const ipv6 = await loadInClusterCredentials({
      dir,
      env: (n) => ({ KUBERNETES_SERVICE_HOST: "fd00::1" })[n],
    });
    equal(ipv6.server, "https://[fd00::1]:443");
    await rejects(
      () => loadInClusterCredentials({ dir, env: () => undefined }),
      /KUBERNETES_SERVICE_HOST is unset/,
    );
  });
});

Deno.test("resolveKubeCredentials: auto falls back to $KUBECONFIG outside a pod", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/config`, KUBECONFIG);
    const env = (name: string) => ({ KUBECONFIG: `${dir}/config:/elsewhere`, HOME: "/nonexistent" })[name];
    const c = await resolveKubeCredentials({ env, serviceAccountDir: `${dir}/no-sa` });
    equal(c.token, "abc.def.ghi");
  });
});
