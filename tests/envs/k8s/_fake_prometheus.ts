/** A canned Prometheus API on loopback: answers each form-encoded query with what `answer` returns. */
import { Delays } from "./_delays.ts";

/** What the fake answers a query with. */
export interface FakeAnswer {
  status?: number;
  body: unknown;
}

/** A running fake. */
export interface FakePrometheus {
  url: string;
  queries: string[];
  /** Milliseconds every answer is delayed. */
  delayMs: number;
  close(): Promise<void>;
}

/** A vector answer with one sample per value (labels optional). */
export function vector(
  ...samples: (number | string | { value: number | string; metric: Record<string, string> })[]
) {
  return {
    status: "success",
    data: {
      resultType: "vector",
      result: samples.map((s) =>
        typeof s === "object"
          ? { metric: s.metric, value: [1700000000, String(s.value)] }
          : { metric: {}, value: [1700000000, String(s)] }
      ),
    },
  };
}

/** Starts the fake; `answer(query)` decides each answer. */
export function startFakePrometheus(answer: (query: string) => FakeAnswer): FakePrometheus {
  const aborts = new AbortController();
  const delays = new Delays();
  const fake: FakePrometheus = {
    url: "",
    queries: [],
    delayMs: 0,
    async close() {
      delays.release();
      aborts.abort();
      await server.finished;
    },
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: aborts.signal, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      if (req.method !== "POST" || url.pathname !== "/api/v1/query") {
        return new Response("not found", {
          status: 404,
        });
      }
      if (!req.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded")) {
        return new Response("bad content type", { status: 400 });
      }
      const form = new URLSearchParams(await req.text());
      const query = form.get("query") ?? "";
      fake.queries.push(query);
      if (fake.delayMs > 0) await delays.wait(fake.delayMs);
      const a = answer(query);
      return new Response(typeof a.body === "string" ? a.body : JSON.stringify(a.body), {
        status: a.status ?? 200,
        headers: { "content-type": "application/json" },
      });
    },
  );
  fake.url = `http://127.0.0.1:${server.addr.port}`;
  return fake;
}
