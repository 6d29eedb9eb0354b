import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { traceSummaryCommand } from "../../../envs/trace/summary_command.ts";
import { V2021_CALLGRAPH, V2022_CALLGRAPH, V2022_CALLGRAPH_CLEANING } from "./_samples.ts";

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const log = console.log, error = console.error;
  let out = "", err = "";
  console.log = (...xs: unknown[]) => out += xs.join(" ") + "\n";
  console.error = (...xs: unknown[]) => err += xs.join(" ") + "\n";
  try {
    return { code: await traceSummaryCommand.run(args), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("trace-summary --json: services, edges, span, rows and cleaning counts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cma_summary_" });
  await Deno.writeTextFile(`${dir}/cg.csv`, V2022_CALLGRAPH);
  const { code, out, err } = await capture([`${dir}/cg.csv`, "--json", "--window-ms", "5000"]);
  assertEquals([code, err], [0, ""]);
  const lines = out.trimEnd().split("\n");
  assertEquals(lines.length, 1);
  const summary = JSON.parse(lines[0]);
  assertEquals(summary.services, ["A", "C", "B", "D"]);
  assertEquals(summary.edges, [["A", "B", 2 / 3], ["A", "C", 1 / 3], ["B", "C", 0.5], ["D", "C", 1]]);
  assertEquals([summary.spanMs, summary.rows, summary.traces, summary.requests], [9000, 20, 5, 4]);
  assertEquals(summary.cleaned, V2022_CALLGRAPH_CLEANING);
  // A served 1 request in buckets 0, 1 and 9 of 10 one-second buckets: mean 0.3 req/s, peak 1
  assertEquals(summary.rates.A, { mean: 0.3, peak: 1, externalMean: 0.3 });
  assertEquals(summary.rates.C, { mean: 0.3, peak: 2, externalMean: 0 });
  assertEquals(summary.examples.length, 3);
  match(summary.examples[0], /cg\.csv:14: badFieldCount: expected 11 fields, got 7/);
});

Deno.test("trace-summary text output and --top-k", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cma_summary_" });
  await Deno.writeTextFile(`${dir}/cg.csv`, V2021_CALLGRAPH);
  const { code, out } = await capture([`${dir}/cg.csv`, "--top-k", "2"]);
  assertEquals(code, 0);
  match(out, /alibaba-v2021, 1 file\(s\), 8 rows, 2 traces, 2 kept/);
  match(out, /services \(2\): A, C/);
  match(out, /A -> C {2}0\.5/);
  match(out, /calleeSideRows: 2/);
  match(out, /time span: 1220 ms/);
});

Deno.test("trace-summary: --help, bad flags and bad paths give clear exit codes", async () => {
  const help = await capture(["--help"]);
  assertEquals(help.code, 0);
  match(help.out, /^trace-summary <path>/);
  const missing = await capture(["/nonexistent/trace.csv"]);
  assertEquals(missing.code, 2);
  assertEquals(missing.err, 'trace-summary: trace path "/nonexistent/trace.csv" does not exist\n');
  const flag = await capture(["x.csv", "--nope"]);
  assertEquals(flag.code, 2);
  ok(flag.err.startsWith("trace-summary: ") && flag.err.split("\n").length === 2);
  const none = await capture([]);
  assertEquals(none.code, 2);
  match(none.err, /expected one trace path, got 0/);
  const num = await capture(["x.csv", "--bucket-ms", "abc"]);
  assertEquals(num.code, 2);
  match(num.err, /--bucket-ms must be a number/);
});
