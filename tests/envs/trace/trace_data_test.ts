import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { InputError } from "../../../core/errors.ts";
import { loadTrace } from "../../../envs/trace/trace_data.ts";
import {
  PLAIN_EDGES,
  PLAIN_RATES,
  V2021_CALLGRAPH,
  V2021_MCR,
  V2022_CALLGRAPH,
  V2022_CALLGRAPH_CLEANING,
  V2022_MSRTMCR,
  writeGzip,
} from "./_samples.ts";

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cma_trace_" });
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, text);
  return path;
}

async function assertRejects(fn: () => Promise<unknown>, type: typeof InputError, text: string) {
  await rejects(fn, (e: unknown) => e instanceof type && (e as Error).message.includes(text));
}

const round = (xs: ArrayLike<number>) =>
  Array.from(xs, (x) => Number.isNaN(x) ? NaN : Math.round(x * 1e6) / 1e6);

Deno.test("v2022 call graph: services, edges, rates and every cleaning count", async () => {
  const path = await tempFile("CallGraph_0.csv", V2022_CALLGRAPH);
  const data = await loadTrace(path, { bucketMs: 1000, traceWindowMs: 5000 });
  assertEquals(data.format, "alibaba-v2022");
  assertEquals(data.rows, 20);
  assertEquals(data.traces, 5); // T1..T5 (T6 only late)
  assertEquals(data.requests, 4); // T3 has no entry
  // served: A 3 (3 entries), C 3, B 2, D 1 → busiest first, ties by name
  assertEquals(data.services, ["A", "C", "B", "D"]);
  assertEquals(
    round(data.edges.map((e) => e[2])),
    [2 / 3, 1 / 3, 1 / 2, 1].map((x) => Math.round(x * 1e6) / 1e6),
  );
  assertEquals(data.edges.map((e) => `${e[0]}>${e[1]}`), ["A>B", "A>C", "B>C", "D>C"]);
  assertEquals(data.startMs, 100);
  assertEquals(data.spanMs, 9000);
  assertEquals([data.firstBucket, data.buckets], [0, 10]);
  const s = 4;
  const ext = (t: number) => Array.from(data.external.subarray(t * s, t * s + s));
  const arr = (t: number) => Array.from(data.arrivals.subarray(t * s, t * s + s));
  assertEquals(ext(0), [1, 0, 0, 0]);
  assertEquals(ext(1), [1, 0, 0, 0]);
  assertEquals(ext(2), [0, 0, 0, 1]);
  assertEquals(ext(5), [0, 0, 0, 0]);
  assertEquals(ext(9), [1, 0, 0, 0]);
  assertEquals(arr(0), [1, 2, 1, 0]); // A, C (two calls), B
  assertEquals(arr(1), [1, 0, 1, 0]);
  assertEquals(arr(2), [0, 1, 0, 1]);
  assertEquals(arr(9), [1, 0, 0, 0]);
  assertEquals(round(data.responseTimeMs), [20, 4.5, 9, NaN]);
  assertEquals(data.cleaning.counts, V2022_CALLGRAPH_CLEANING);
  assertEquals(
    data.cleaning.examples.map((e) => `${e.file.split("/").pop()}:${e.line}:${e.kind}`),
    [
      "CallGraph_0.csv:14:badFieldCount",
      "CallGraph_0.csv:15:badFieldCount",
      "CallGraph_0.csv:16:unreadableLines",
    ],
  );
});

Deno.test("v2022 call graph: top-K keeps the busiest services and the edges between them", async () => {
  const path = await tempFile("cg.csv", V2022_CALLGRAPH);
  const data = await loadTrace(path, { traceWindowMs: 5000, topK: 2 });
  assertEquals(data.services, ["A", "C"]);
  assertEquals(data.edges, [["A", "C", 1 / 3]]);
});

Deno.test("v2022 call graph: a longer window keeps the late row of T1", async () => {
  const path = await tempFile("cg.csv", V2022_CALLGRAPH);
  const data = await loadTrace(path, { traceWindowMs: 10_000 });
  // T1 is still open at 9100: its call 0.3 (A→B) counts; T6 at 1000 is within the window too.
  assertEquals(data.cleaning.counts.lateRows, 0);
  assertEquals(data.requests, 5);
  // A served 4 (T1, T2, T5, T6), B 3 → A→B = 3 calls / 4 requests
  assertEquals(data.edges.find((e) => e[0] === "A" && e[1] === "B"), ["A", "B", 3 / 4]);
});

Deno.test("v2021 call graph: callee-side copies dropped, caller side preferred", async () => {
  const path = await tempFile("MSCallGraph_0.csv", V2021_CALLGRAPH);
  const data = await loadTrace(path, { bucketMs: 1000 });
  assertEquals(data.format, "alibaba-v2021");
  assertEquals(data.rows, 8);
  assertEquals(data.services, ["A", "C", "B"]);
  assertEquals(data.edges, [["A", "B", 0.5], ["A", "C", 0.5], ["B", "C", 1]]);
  assertEquals(round(data.responseTimeMs), [45, 3, 10]);
  assertEquals([data.buckets, data.spanMs], [2, 1220]);
  assertEquals(Array.from(data.external), [1, 0, 0, 1, 0, 0]);
  assertEquals(Array.from(data.arrivals), [1, 1, 1, 1, 1, 0]);
  const c = data.cleaning.counts;
  assertEquals([c.calleeSideRows, c.duplicateRows, c.missingRt, c.tracesWithoutEntry], [2, 1, 2, 0]);
});

Deno.test("plain rates with an edges file: bucket means, held gaps, propagated arrivals", async () => {
  const rates = await tempFile("rates.csv", PLAIN_RATES);
  const edges = await tempFile("edges.csv", PLAIN_EDGES);
  const data = await loadTrace(rates, { bucketMs: 1000, edges });
  assertEquals(data.format, "plain");
  assertEquals(data.services, ["front", "api", "db"]);
  assertEquals(data.edges, [["api", "db", 1], ["front", "api", 2], ["front", "db", 0.5]]);
  assertEquals(data.buckets, 3);
  assertEquals(Array.from(data.external), [15, 4, 0, 15, 4, 0, 30, 4, 0]);
  // api = 4 + 2·front, db = 0.5·front + api
  assertEquals(Array.from(data.arrivals), [15, 34, 41.5, 15, 34, 41.5, 30, 64, 79]);
  assertEquals(data.cleaning.counts.unreadableLines, 2);
  assertEquals(data.cleaning.examples.map((e) => `${e.file.split("/").pop()}:${e.line}`), [
    "rates.csv:6",
    "edges.csv:5",
  ]);
});

Deno.test("MCR/RT tables: v2021 rates and response times, v2022 response times", async () => {
  const v21 = await loadTrace(await tempFile("MCR.csv", V2021_MCR), { bucketMs: 60_000 });
  assertEquals(v21.format, "alibaba-v2021-mcr");
  assertEquals(v21.services, ["A", "B"]);
  // bucket 0: A = (10 + 20 + 30 + 40) / 2 sample times = 50; B none
  assertEquals(Array.from(v21.arrivals), [50, 0, 0, 0]);
  assertEquals(round(v21.responseTimeMs), [6, NaN]);
  const v22 = await loadTrace(await tempFile("MSRTMCR.csv", V2022_MSRTMCR), { bucketMs: 60_000 });
  assertEquals(v22.format, "alibaba-v2022-mcr");
  assertEquals(round(v22.responseTimeMs), [6, 12]);
  assertEquals(Array.from(v22.arrivals), [0, 0, 0, 0]);
});

Deno.test("responseTimes option: MSRTMCR response times replace the call-graph ones", async () => {
  const cg = await tempFile("cg.csv", V2022_CALLGRAPH);
  const rt = await tempFile("MSRTMCR.csv", V2022_MSRTMCR);
  const data = await loadTrace(cg, { traceWindowMs: 5000, responseTimes: rt });
  assertEquals(round(data.responseTimeMs), [6, 4.5, 12, NaN]); // A and B from MSRTMCR
});

Deno.test(".gz files and folders of parts in natural name order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cma_trace_parts_" });
  const lines = V2022_CALLGRAPH.trimEnd().split("\n");
  const header = lines[0];
  // part 2 holds the early rows, part 10 the later ones: a plain string sort would read 10 first.
  await Deno.writeTextFile(`${dir}/CallGraph_2.csv`, [header, ...lines.slice(1, 11)].join("\n") + "\n");
  await writeGzip(`${dir}/CallGraph_10.csv.gz`, [header, ...lines.slice(11)].join("\n") + "\n");
  await Deno.writeTextFile(`${dir}/README.md`, "not a part");
  const data = await loadTrace(dir, { traceWindowMs: 5000 });
  assertEquals(data.files.map((f) => f.split("/").pop()), ["CallGraph_2.csv", "CallGraph_10.csv.gz"]);
  assertEquals(data.services, ["A", "C", "B", "D"]);
  assertEquals(data.rows, 20);
  assertEquals(data.cleaning.counts.lateRows, 2);
  assertEquals(data.cleaning.examples.map((e) => `${e.file.split("/").pop()}:${e.line}`), [
    "CallGraph_10.csv.gz:4",
    "CallGraph_10.csv.gz:5",
    "CallGraph_10.csv.gz:6",
  ]);
  const gz = `${dir}/one.csv.gz`;
  await writeGzip(gz, V2021_CALLGRAPH);
  assertEquals((await loadTrace(gz)).edges, [["A", "B", 0.5], ["A", "C", 0.5], ["B", "C", 1]]);
});

Deno.test("bad input: missing path, unknown header, corrupt gzip, mixed parts, bad options", async () => {
  await assertRejects(() => loadTrace("/nonexistent/trace.csv"), InputError, "does not exist");
  const unknown = await tempFile("x.csv", "a,b,c\n1,2,3\n");
  await assertRejects(() => loadTrace(unknown), InputError, "x.csv:1: unrecognised trace header");
  const corrupt = await tempFile("bad.csv.gz", "this is not gzip");
  await assertRejects(() => loadTrace(corrupt), InputError, "bad.csv.gz");
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/a.csv`, V2021_CALLGRAPH);
  await Deno.writeTextFile(`${dir}/b.csv`, V2022_CALLGRAPH);
  await assertRejects(() => loadTrace(dir), InputError, "b.csv:1: this part is alibaba-v2022");
  const empty = await tempFile("empty.csv", "");
  await assertRejects(() => loadTrace(empty), InputError, "empty");
  await assertRejects(() => loadTrace(unknown, { bucketMs: 0 }), InputError, "bucketMs");
});
