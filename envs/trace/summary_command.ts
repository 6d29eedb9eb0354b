/**
 * `trace-summary <path>`: prints a trace's services, call edges, time span, rate statistics and the
 * counts of cleaned data problems; `--json` prints one JSON object instead. The lead registers
 * {@linkcode traceSummaryCommand} in the CLI.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { CliCommand } from "../../core/cli.ts";
import { InputError } from "../../core/errors.ts";
import { loadTrace } from "./trace_data.ts";
import type { LoadTraceOptions, TraceData } from "./trace_data.ts";

/** Rate statistics of one service in requests per second over the trace's buckets. */
export interface ServiceRateStats {
  /** Mean rate of requests served. */
  mean: number;
  /** Highest bucket rate of requests served. */
  peak: number;
  /** Mean rate of requests entering the cluster at the service. */
  externalMean: number;
}

/** The object `trace-summary --json` prints. */
export interface TraceSummary {
  /** The trace path as given. */
  path: string;
  /** The detected format. */
  format: string;
  /** The files read. */
  files: string[];
  /** Service names, busiest first. */
  services: string[];
  /** `[caller, callee, callsPerRequest]`. */
  edges: [string, string, number][];
  /** Time between the first and last timestamp (ms). */
  spanMs: number;
  /** First timestamp (ms). */
  startMs: number;
  /** Data rows read. */
  rows: number;
  /** Call-graph traces assembled. */
  traces: number;
  /** Traces kept after cleaning (external requests). */
  requests: number;
  /** Bucket width (ms). */
  bucketMs: number;
  /** Number of buckets. */
  buckets: number;
  /** Rate statistics by service. */
  rates: Record<string, ServiceRateStats>;
  /** Cleaning counts by kind. */
  cleaned: Record<string, number>;
  /** Named examples of unreadable rows (`file:line: kind: message`). */
  examples: string[];
}

const USAGE = `trace-summary <path> [--json] [--bucket-ms N] [--window-ms N] [--top-k N] [--edges FILE]
                [--response-times PATH]

  <path>                a trace file (.csv or .csv.gz) or a folder of parts: Alibaba v2021/v2022
                        call-graph or MCR/RT tables, or plain timestamp,service,rate
  --json                print one JSON object
  --bucket-ms N         rate bucket width in ms (default 1000)
  --window-ms N         close a trace after N ms of trace time without a row (default 10000)
  --top-k N             keep only the N busiest services (default 0: all)
  --edges FILE          plain traces: caller,callee,calls_per_request
  --response-times PATH an MCR/RT table giving the services' response times`;

/** `trace-summary`: the summary of a trace, as text or JSON. */
export const traceSummaryCommand: CliCommand = {
  name: "trace-summary",
  description: "Summarise a trace: services, call edges, time span, rates and cleaned data problems.",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    try {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
          json: { type: "boolean", default: false },
          help: { type: "boolean", short: "h", default: false },
          "bucket-ms": { type: "string" },
          "window-ms": { type: "string" },
          "top-k": { type: "string" },
          edges: { type: "string" },
          "response-times": { type: "string" },
        },
      });
      if (values.help) {
        console.log(USAGE);
        return 0;
      }
      if (positionals.length !== 1) {
        throw new InputError(
          `expected one trace path, got ${positionals.length}; usage: ${USAGE.split("\n")[0]}`,
        );
      }
      const options: LoadTraceOptions = {
        bucketMs: numberFlag(values["bucket-ms"], "--bucket-ms"),
        traceWindowMs: numberFlag(values["window-ms"], "--window-ms"),
        topK: numberFlag(values["top-k"], "--top-k"),
        edges: values.edges,
        responseTimes: values["response-times"],
      };
      const summary = summarizeTrace(positionals[0], await loadTrace(positionals[0], options));
      console.log(values.json ? JSON.stringify(summary) : formatSummary(summary).join("\n"));
      return 0;
    } catch (e) {
      const bad = e instanceof InputError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
      console.error(`trace-summary: ${(e as Error).message}`);
      return bad ? 2 : 1;
    }
  },
};

/** The summary object of a loaded trace. */
export function summarizeTrace(path: string, data: TraceData): TraceSummary {
  const s = data.services.length, t = data.buckets;
  const rates: Record<string, ServiceRateStats> = {};
  data.services.forEach((name, j) => {
    let sum = 0, peak = 0, ext = 0;
    for (let r = 0; r < t; r++) {
      const v = data.arrivals[r * s + j];
      sum += v;
      peak = Math.max(peak, v);
      ext += data.external[r * s + j];
    }
    rates[name] = { mean: t > 0 ? sum / t : 0, peak, externalMean: t > 0 ? ext / t : 0 };
  });
  return {
    path,
    format: data.format,
    files: data.files,
    services: data.services,
    edges: data.edges,
    spanMs: data.spanMs,
    startMs: data.startMs,
    rows: data.rows,
    traces: data.traces,
    requests: data.requests,
    bucketMs: data.bucketMs,
    buckets: data.buckets,
    rates,
    cleaned: { ...data.cleaning.counts },
    examples: data.cleaning.examples.map((e) => `${e.file}:${e.line}: ${e.kind}: ${e.message}`),
  };
}

/** The human-readable lines of a summary. */
export function formatSummary(summary: TraceSummary): string[] {
  const round = (x: number) => Number.isInteger(x) ? String(x) : x.toFixed(3);
  const lines = [
    `trace ${summary.path}: ${summary.format}, ${summary.files.length} file(s), ${summary.rows} rows` +
    (summary.traces > 0 ? `, ${summary.traces} traces, ${summary.requests} kept` : ""),
    `time span: ${summary.spanMs} ms from ${summary.startMs} ms (${summary.buckets} buckets of ${summary.bucketMs} ms)`,
    `services (${summary.services.length}): ${summary.services.join(", ")}`,
    `edges (${summary.edges.length}), calls per request:`,
    ...summary.edges.map(([a, b, w]) => `  ${a} -> ${b}  ${round(w)}`),
    "rates in req/s (mean, peak, external mean):",
    ...summary.services.map((name) => {
      const r = summary.rates[name];
      return `  ${name}  ${round(r.mean)}  ${round(r.peak)}  ${round(r.externalMean)}`;
    }),
    "cleaned:",
  ];
  const counts = Object.entries(summary.cleaned).filter(([, n]) => n > 0);
  lines.push(...(counts.length > 0 ? counts.map(([k, n]) => `  ${k}: ${n}`) : ["  nothing to clean"]));
  lines.push(...summary.examples.map((e) => `  ${e}`));
  return lines;
}

function numberFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) {
    throw new InputError(`${flag} must be a number (got "${text}")`);
  }
  return n;
}
