import { deepEqual, equal, ok } from "node:assert/strict";
import { RuntimeError } from "../../../core/errors.ts";
import { PrometheusClient } from "../../../envs/k8s/prometheus_client.ts";
import { PrometheusError, resultValue } from "../../../envs/k8s/prometheus_response.ts";
import { caught } from "./_caught.ts";
import { startFakePrometheus, vector } from "./_fake_prometheus.ts";

function client(url: string, sleeps: number[] = [], timeoutMs = 2000) {
  return new PrometheusClient({
    url,
    retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 1000, timeoutMs },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
}

Deno.test("prometheus client: POSTs the form-encoded query and time", async () => {
  let form: URLSearchParams | undefined;
  const aborts = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: aborts.signal, onListen: () => {} },
    async (req) => {
      form = new URLSearchParams(await req.text());
      equal(new URL(req.url).pathname, "/prefix/api/v1/query");
      equal(req.headers.get("content-type"), "application/x-www-form-urlencoded");
      return Response.json(vector(7));
    },
  );
  try {
    const r = await client(`http://127.0.0.1:${server.addr.port}/prefix/`).query(`up{job="a b"}`, {
      time: 1700000000123,
    });
    equal(resultValue(r.result), 7);
    equal(form?.get("query"), `up{job="a b"}`);
    equal(form?.get("time"), "1700000000.123");
  } finally {
    aborts.abort();
    await server.finished;
  }
});

Deno.test("prometheus client: 5xx is retried with back-off, then succeeds", async () => {
  let calls = 0;
  const fake = startFakePrometheus(() =>
    ++calls < 3
      ? { status: 503, body: { status: "error", errorType: "unavailable", error: "busy" } }
      : { body: vector(4) }
  );
  const sleeps: number[] = [];
  try {
    const r = await client(fake.url, sleeps).query("x");
    equal(resultValue(r.result), 4);
    equal(fake.queries.length, 3);
    deepEqual(sleeps, [10, 20]);
  } finally {
    await fake.close();
  }
});

Deno.test("prometheus client: 5xx until the tries run out is a PrometheusError with the envelope's error", async () => {
  const fake = startFakePrometheus(() => ({
    status: 503,
    body: { status: "error", errorType: "timeout", error: "query timed out in expression evaluation" },
  }));
  try {
    const error = await caught(
      () => client(fake.url).query("x", { name: "arrivalRate shop/web" }),
      PrometheusError,
    );
    deepEqual([error.errorType, error.status], ["timeout", 503]);
    equal(
      error.message,
      "Prometheus query arrivalRate shop/web: timeout: query timed out in expression evaluation (after 3 tries)",
    );
    equal(fake.queries.length, 3);
  } finally {
    await fake.close();
  }
});

Deno.test("prometheus client: 4xx errors are not retried", async () => {
  const fake = startFakePrometheus(() => ({
    status: 422,
    body: { status: "error", errorType: "execution", error: "many-to-many matching not allowed" },
  }));
  try {
    const error = await caught(() => client(fake.url).query("a / b"), PrometheusError);
    deepEqual([error.errorType, error.status], ["execution", 422]);
    equal(fake.queries.length, 1);
  } finally {
    await fake.close();
  }
});

Deno.test("prometheus client: a slow Prometheus times out after the bounded tries", async () => {
  const fake = startFakePrometheus(() => ({ body: vector(1) }));
  fake.delayMs = 2000;
  try {
    const started = performance.now();
    const error = await caught(() => client(fake.url, [], 100).query("x"), RuntimeError);
    ok(error.message.includes("failed after 3 tries: timed out after 100 ms"), error.message);
    ok(performance.now() - started < 1500);
    equal(fake.queries.length, 3);
  } finally {
    await fake.close();
  }
});

Deno.test("prometheus client: Prometheus down is a connection error after the bounded tries", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const sleeps: number[] = [];
  const error = await caught(() => client(`http://127.0.0.1:${port}`, sleeps).query("x"), RuntimeError);
  ok(error.message.includes("failed after 3 tries: connection failed"), error.message);
  deepEqual(sleeps, [10, 20]);
});
