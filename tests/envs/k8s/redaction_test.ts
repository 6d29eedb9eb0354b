/** With a sentinel token, no log line and no error (causes included) on any failure path contains it. */
import { equal, ok } from "node:assert/strict";
import { K8sEnvironment } from "../../../envs/k8s/k8s_environment.ts";
import { KubeClient } from "../../../envs/k8s/kube_client.ts";
import { loadKubeconfig } from "../../../envs/k8s/kubeconfig.ts";
import { REDACTED, Redactor } from "../../../envs/k8s/redactor.ts";
import { startFakePrometheus, vector } from "./_fake_prometheus.ts";
import { startKubeStandIn } from "./_kube_stand_in.ts";

const SENTINEL = "sentinel-TOKEN-7f3a9c1e5b";

function clean(what: string, value: unknown): void {
  const texts: string[] = [];
  let e: unknown = value;
  for (let depth = 0; e !== undefined && depth < 10; depth++) {
    if (e instanceof Error) {
      texts.push(e.message, e.stack ?? "", JSON.stringify(e));
      e = e.cause;
    } else {
      texts.push(String(e));
      e = undefined;
    }
  }
  texts.push(Deno.inspect(value, { depth: 10 }));
  for (const text of texts) ok(!text.includes(SENTINEL), `${what} leaks the token: ${text}`);
}

async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

Deno.test("redaction: 401 bodies that echo the token, 5xx, time-outs and refused connections", async () => {
  const api = startKubeStandIn({
    token: "the-right-token",
    echoAuthorization: true,
    deployments: { "shop/web": { replicas: 1 } },
  });
  const retry = { attempts: 2, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 100 };
  const retries: string[] = [];
  const kube = new KubeClient({ server: api.url, token: SENTINEL, source: "test" }, {
    retry,
    onRetry: (m) => retries.push(m),
  });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = listener.addr.port;
  listener.close();
  const nowhere = new KubeClient({
    server: `http://127.0.0.1:${closedPort}`,
    token: SENTINEL,
    source: "test",
  }, { retry });
  try {
    const e401 = await failure(() => kube.getScale("shop", "web"));
    ok(String((e401 as Error).message).includes(`got Bearer ${REDACTED}`), (e401 as Error).message);
    clean("401", e401);
    clean("401 on patch", await failure(() => kube.patchScale("shop", "web", 2)));
    clean("401 on deployment", await failure(() => kube.getDeployment("shop", "web")));
    clean("refused connection", await failure(() => nowhere.getScale("shop", "web")));
    api.delayMs = 500;
    clean("time-out", await failure(() => kube.getScale("shop", "web")));
    api.delayMs = 0;
    for (const line of retries) clean("retry message", line);
    ok(api.requests.every((r) => r.authorization === `Bearer ${SENTINEL}`), "the token was sent");
  } finally {
    kube.close();
    nowhere.close();
    await api.close();
  }
});

Deno.test("redaction: the environment's log lines and step metrics on every failure path", async () => {
  const api = startKubeStandIn({
    token: SENTINEL,
    echoAuthorization: true,
    deployments: { "shop/web-edge-0": { replicas: 1 } },
  });
  const prom = startFakePrometheus(() => ({ body: vector(0.5) }));
  const logs: string[] = [];
  const env = await K8sEnvironment.create({
    nodes: [{ id: "edge-0" }],
    services: ["web"],
    namespace: "shop",
    prometheus: { url: prom.url },
    retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 200 },
  }, {
    credentials: { server: api.url, token: SENTINEL, source: "test" },
    sleep: () => Promise.resolve(),
    log: (line) => logs.push(line),
  });
  try {
    await env.reset();
    api.failNext = [500, 500]; // GET scale fails after its retries, the body echoes the token
    const r1 = await env.step(new Int32Array([2]));
    equal(r1.metrics.scaleErrors, 1);
    // From now on the API rejects the token (and echoes it back): reads and scales fail.
    const api2 = startKubeStandIn({ token: "other", echoAuthorization: true, deployments: {} });
    await api.close();
    const env2 = await K8sEnvironment.create({
      nodes: [{ id: "edge-0" }],
      services: ["web"],
      namespace: "shop",
      prometheus: { url: prom.url },
      retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 200 },
    }, {
      credentials: { server: api2.url, token: SENTINEL, source: "test" },
      sleep: () => Promise.resolve(),
      log: (line) => logs.push(line),
    });
    try {
      await env2.reset();
      const r2 = await env2.step(new Int32Array([2]));
      equal(r2.metrics.scaleErrors, 1); // the read of the deployment after the step
      await prom.close();
      const r3 = await env2.step(new Int32Array([3]));
      ok(r3.metrics.metricErrors > 0);
      clean("metrics", JSON.stringify([r1.metrics, r2.metrics, r3.metrics]));
    } finally {
      await env2.close();
      await api2.close();
    }
    clean("step after close", await failure(() => env2.step(new Int32Array([1]))));
    ok(logs.some((l) => l.includes(REDACTED)), "some line had the echoed token redacted");
    ok(logs.some((l) => JSON.parse(l).event === "api-error"));
    ok(logs.some((l) => JSON.parse(l).event === "scale-error"));
    ok(logs.some((l) => JSON.parse(l).event === "retry"));
    for (const line of logs) clean("log line", line);
  } finally {
    await env.close();
    await api.close();
    await prom.close();
  }
});

Deno.test("redaction: kubeconfig errors never quote the token", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k8s-redact-" });
  try {
    const broken = `${dir}/broken.yaml`;
    await Deno.writeTextFile(
      broken,
      `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: "${SENTINEL}\n    x: [\n`,
    );
    clean("invalid YAML", await failure(() => loadKubeconfig(broken)));
    const exec = `${dir}/exec.yaml`;
    await Deno.writeTextFile(
      exec,
      [
        "current-context: c",
        "contexts: [{name: c, context: {cluster: k, user: u}}]",
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:6443'}}]",
        `users: [{name: u, user: {token: ${SENTINEL}, exec: {command: aws}}}]`,
      ].join("\n"),
    );
    const error = await failure(() => loadKubeconfig(exec));
    ok((error as Error).message.includes("exec is not supported"), (error as Error).message);
    clean("unsupported exec", error);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Redactor: texts, errors and their causes, in place", () => {
  const r = new Redactor();
  r.add(SENTINEL);
  r.add("ab"); // too short to redact
  equal(r.text(`Bearer ${SENTINEL} and ${SENTINEL}`), `Bearer ${REDACTED} and ${REDACTED}`);
  equal(r.text("ab cd"), "ab cd");
  const inner = new TypeError(`inner ${SENTINEL}`);
  const outer = new Error(`outer ${SENTINEL}`, { cause: inner });
  const out = r.error(outer);
  equal(out, outer);
  equal(out.message, `outer ${REDACTED}`);
  equal((out.cause as Error).message, `inner ${REDACTED}`);
  ok(out.cause instanceof TypeError);
  clean("chain", out);
  const wrapped = r.error(`plain ${SENTINEL}`);
  equal(wrapped.message, `plain ${REDACTED}`);
  const withObject = r.error(new Error("x", { cause: { token: SENTINEL } }));
  clean("object cause", withObject);
});
