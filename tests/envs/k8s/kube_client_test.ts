import { deepEqual, ok, rejects } from "node:assert/strict";
import { caught } from "./_caught.ts";
import { KubeApiError, KubeClient, parseCpuQuantity } from "../../../envs/k8s/kube_client.ts";
import type { RetryOptions } from "../../../envs/k8s/retry.ts";
import { makeCertificates, startKubeStandIn } from "./_kube_stand_in.ts";

const TOKEN = "test-token-abc123";
const RETRY: RetryOptions = { attempts: 3, initialDelayMs: 10, maxDelayMs: 1000, timeoutMs: 2000 };

function client(url: string, options: { token?: string; sleeps?: number[]; retry?: RetryOptions } = {}) {
  const sleeps = options.sleeps ?? [];
  return new KubeClient({ server: url, token: options.token ?? TOKEN, source: "test" }, {
    retry: options.retry ?? RETRY,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
}

Deno.test("kube client: reads and patches the scale subresource with the real shapes", async () => {
  const api = startKubeStandIn({
    token: TOKEN,
    deployments: { "shop/web": { replicas: 2, readyReplicas: 1, cpu: "250m" }, "shop/idle": { replicas: 0 } },
  });
  const kube = client(api.url);
  try {
    const scale = await kube.getScale("shop", "web");
    deepEqual(scale.kind, "Scale");
    deepEqual(scale.apiVersion, "autoscaling/v1");
    deepEqual(scale.metadata.name, "web");
    deepEqual(scale.metadata.namespace, "shop");
    deepEqual(scale.spec.replicas, 2);
    deepEqual(scale.status, { replicas: 2, selector: "app=web" });
    // spec.replicas is omitted when 0 (omitempty).
    deepEqual((await kube.getScale("shop", "idle")).spec.replicas, 0);

    const patched = await kube.patchScale("shop", "web", 5);
    deepEqual(patched.spec.replicas, 5);
    deepEqual(api.deployments["shop/web"].replicas, 5);
    const patch = api.requests.find((r) => r.method === "PATCH")!;
    deepEqual(patch.path, "/apis/apps/v1/namespaces/shop/deployments/web/scale");
    deepEqual(patch.contentType, "application/merge-patch+json");
    deepEqual(JSON.parse(patch.body), { spec: { replicas: 5 } });
    deepEqual(patch.authorization, `Bearer ${TOKEN}`);

    const d = await kube.getDeployment("shop", "web");
    deepEqual(d, { replicas: 5, readyReplicas: 1, cpuRequest: 0.25 });
    deepEqual(api.requests.at(-1)!.path, "/apis/apps/v1/namespaces/shop/deployments/web");
    await rejects(() => kube.patchScale("shop", "web", -1), /refusing to scale/);
  } finally {
    kube.close();
    await api.close();
  }
});

Deno.test("kube client: 409 and 429 are retried with doubling back-off, then succeed", async () => {
  const api = startKubeStandIn({ token: TOKEN, deployments: { "shop/web": { replicas: 1 } } });
  const sleeps: number[] = [];
  const kube = client(api.url, { sleeps });
  try {
    api.failNext = [409, 429];
    const scale = await kube.patchScale("shop", "web", 3);
    deepEqual(scale.spec.replicas, 3);
    deepEqual(api.requests.length, 3);
    deepEqual(sleeps, [10, 20]);
  } finally {
    kube.close();
    await api.close();
  }
});

Deno.test("kube client: retries are bounded and the last status is reported", async () => {
  const api = startKubeStandIn({ token: TOKEN, deployments: { "shop/web": { replicas: 1 } } });
  const sleeps: number[] = [];
  const kube = client(api.url, { sleeps });
  try {
    api.failNext = [503, 503, 503, 503, 503];
    const error = await caught(() => kube.patchScale("shop", "web", 3), KubeApiError);
    deepEqual(error.status, 503);
    ok(error.message.includes("after 3 tries"), error.message);
    deepEqual(api.requests.length, 3);
    deepEqual(sleeps, [10, 20]);
    deepEqual(api.deployments["shop/web"].replicas, 1);
  } finally {
    kube.close();
    await api.close();
  }
});

Deno.test("kube client: 401, 403 and 404 are not retried and carry the Status reason", async () => {
  const api = startKubeStandIn({
    token: TOKEN,
    forbiddenToken: "reader-only-token",
    deployments: { "shop/web": { replicas: 1 } },
  });
  const wrong = client(api.url, { token: "wrong-token-xyz" });
  const forbidden = client(api.url, { token: "reader-only-token" });
  const good = client(api.url);
  try {
    const e401 = await caught(() => wrong.getScale("shop", "web"), KubeApiError);
    deepEqual([e401.status, e401.reason], [401, "Unauthorized"]);
    const e403 = await caught(() => forbidden.patchScale("shop", "web", 2), KubeApiError);
    deepEqual([e403.status, e403.reason], [403, "Forbidden"]);
    ok(e403.message.includes(`cannot patch resource "deployments/scale"`), e403.message);
    const e404 = await caught(() => good.getScale("shop", "missing"), KubeApiError);
    deepEqual([e404.status, e404.reason], [404, "NotFound"]);
    deepEqual(api.requests.length, 3);
  } finally {
    for (const c of [wrong, forbidden, good]) c.close();
    await api.close();
  }
});

Deno.test("kube stand-in: wrong path is 404, wrong content type is 415", async () => {
  const api = startKubeStandIn({ token: TOKEN, deployments: { "shop/web": { replicas: 1 } } });
  try {
    const headers = { authorization: `Bearer ${TOKEN}` };
    const r404 = await fetch(`${api.url}/apis/apps/v1/namespaces/shop/deployment/web/scale`, { headers });
    deepEqual([r404.status, (await r404.json()).reason], [404, "NotFound"]);
    const r415 = await fetch(`${api.url}/apis/apps/v1/namespaces/shop/deployments/web/scale`, {
      method: "PATCH",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ spec: { replicas: 4 } }),
    });
    deepEqual([r415.status, (await r415.json()).reason], [415, "UnsupportedMediaType"]);
    deepEqual(api.deployments["shop/web"].replicas, 1);
  } finally {
    await api.close();
  }
});

Deno.test("kube client: a slow API times out, bounded by the tries", async () => {
  const api = startKubeStandIn({ token: TOKEN, deployments: { "shop/web": { replicas: 1 } } });
  const kube = client(api.url, { retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 100 } });
  try {
    api.delayMs = 2000;
    const started = performance.now();
    await rejects(() => kube.getScale("shop", "web"), /failed after 2 tries: timed out after 100 ms/);
    ok(performance.now() - started < 1500);
    deepEqual(api.requests.length, 2);
  } finally {
    kube.close();
    await api.close();
  }
});

Deno.test("kube client: HTTPS with the cluster CA, and client certificates against openssl s_server", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k8s-tls-" });
  const certs = await makeCertificates(dir);
  const api = startKubeStandIn({
    token: TOKEN,
    tls: { cert: certs.serverCert, key: certs.serverKey },
    deployments: { "shop/web": { replicas: 2 } },
  });
  const trusted = new KubeClient({ server: api.url, token: TOKEN, caCert: certs.ca, source: "test" }, {
    retry: { ...RETRY, attempts: 1 },
  });
  const untrusting = new KubeClient({ server: api.url, token: TOKEN, source: "test" }, {
    retry: { ...RETRY, attempts: 1 },
  });
  try {
    deepEqual((await trusted.patchScale("shop", "web", 4)).spec.replicas, 4);
    await rejects(() => untrusting.getScale("shop", "web"), /connection failed/);
  } finally {
    trusted.close();
    untrusting.close();
    await api.close();
  }

  // openssl s_server requires and verifies a client certificate (-Verify) and serves files as raw
  // HTTP responses (-HTTP): a GET of the scale subresource over mutual TLS.
  const www = `${dir}/www`;
  await Deno.mkdir(`${www}/apis/apps/v1/namespaces/shop/deployments/web`, { recursive: true });
  const scale = {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: "web", namespace: "shop" },
    spec: { replicas: 3 },
    status: { replicas: 3, selector: "app=web" },
  };
  await Deno.writeTextFile(
    `${www}/apis/apps/v1/namespaces/shop/deployments/web/scale`,
    `HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(scale)}`,
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const server = new Deno.Command("openssl", {
    args: [
      "s_server",
      "-accept",
      `127.0.0.1:${port}`,
      "-cert",
      `${dir}/server.crt`,
      "-key",
      `${dir}/server.key`,
      "-CAfile",
      `${dir}/ca.crt`,
      "-Verify",
      "1",
      "-HTTP",
      "-quiet",
    ],
    cwd: www,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const withCert = new KubeClient({
    server: `https://127.0.0.1:${port}`,
    caCert: certs.ca,
    clientCert: certs.clientCert,
    clientKey: certs.clientKey,
    source: "test",
  }, { retry: { attempts: 20, initialDelayMs: 50, maxDelayMs: 50, timeoutMs: 2000 } });
  const withoutCert = new KubeClient({
    server: `https://127.0.0.1:${port}`,
    caCert: certs.ca,
    source: "test",
  }, {
    retry: { ...RETRY, attempts: 1 },
  });
  try {
    const got = await withCert.getScale("shop", "web"); // retried until s_server listens
    deepEqual(got.spec.replicas, 3);
    deepEqual(got.status.selector, "app=web");
    await rejects(() => withoutCert.getScale("shop", "web"), /connection failed/);
  } finally {
    withCert.close();
    withoutCert.close();
    server.kill("SIGTERM");
    await server.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseCpuQuantity: millicores, cores and micro-units", () => {
  deepEqual(parseCpuQuantity("500m"), 0.5);
  deepEqual(parseCpuQuantity("2"), 2);
  deepEqual(parseCpuQuantity("1.5"), 1.5);
  deepEqual(parseCpuQuantity("250000u"), 0.25);
  deepEqual(parseCpuQuantity("1k"), 1000);
});
