/**
 * Loads a trace (any known format; a file, a `.gz` file or a folder of parts) into what the replay
 * needs: the services, the call graph, and per-bucket rates, with every cleaned data problem counted.
 * Call-graph tables stream through the {@linkcode TraceAssembler}, so memory is bounded by the open
 * traces and the per-bucket counts, never by the file size.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";
import { _checkBucketMs } from "./_buckets.ts";
import { callGraphFromEdges, callGraphOf, graphEdges, topServices } from "./call_graph.ts";
import type { CallGraph, TraceEdge } from "./call_graph.ts";
import { CleaningReport } from "./cleaning_report.ts";
import { streamCsv } from "./csv_rows.ts";
import type { CsvVisitor } from "./csv_rows.ts";
import { detectFormat, isCallGraphFormat } from "./formats.ts";
import type { TraceFormat } from "./formats.ts";
import { McrReader } from "./mcr_reader.ts";
import type { McrTable } from "./mcr_reader.ts";
import { PlainEdgesReader, PlainRatesReader } from "./plain_reader.ts";
import { TraceAssembler } from "./trace_assembler.ts";
import { cleanTrace } from "./trace_cleaner.ts";
import { TrafficCounter } from "./traffic_counter.ts";

/** Options of {@linkcode loadTrace}. */
export interface LoadTraceOptions {
  /** Width of a rate bucket in ms (default 1000). */
  bucketMs?: number;
  /** A call-graph trace closes once no row of it came for this long in trace time (ms, default 10,000). */
  traceWindowMs?: number;
  /** Keep only the `topK` busiest services (0, the default, keeps all). */
  topK?: number;
  /** Plain traces: an edges file `caller,callee,calls_per_request`. */
  edges?: string;
  /** An MCR/RT table (v2021 `MS_MCR_RT` or v2022 `MSRTMCR`) whose provider response times replace the call-graph ones. */
  responseTimes?: string;
  /** The most named examples of unreadable rows kept in the report (default 20). */
  maxExamples?: number;
}

/** A loaded trace. Rates are `[T,S]` row-major over the services, in requests per second. */
export interface TraceData {
  /** The format of the main table. */
  format: TraceFormat;
  /** The files read, in order. */
  files: string[];
  /** The `S` services kept, busiest first. */
  services: string[];
  /** The call graph over the kept services (edge `weight` = calls per request the caller serves). */
  graph: CallGraph;
  /** The graph's edges `[caller, callee, callsPerRequest]`. */
  edges: TraceEdge[];
  /** Bucket width in ms. */
  bucketMs: number;
  /** Index of the first bucket (bucket `b` covers `[b·bucketMs, (b+1)·bucketMs)`). */
  firstBucket: number;
  /** Number of buckets `T`. */
  buckets: number;
  /** Requests per second entering the cluster at each service `[T,S]`. */
  external: Float64Array;
  /** Requests per second each service served `[T,S]` (external plus internal calls). */
  arrivals: Float64Array;
  /** Mean response time per service in ms `[S]` (NaN when unknown). */
  responseTimeMs: Float64Array;
  /** Lowest timestamp read (ms; 0 when no row). */
  startMs: number;
  /** Time between the lowest and highest timestamp read (ms). */
  spanMs: number;
  /** Data rows read (headers excluded), the skipped ones included. */
  rows: number;
  /** Call-graph traces assembled (0 for other formats). */
  traces: number;
  /** Call-graph traces kept after cleaning, i.e. external requests counted (0 for other formats). */
  requests: number;
  /** The cleaning counts and named examples. */
  cleaning: CleaningReport;
}

/** Loads a trace; bad options and unreadable files are {@linkcode InputError}s, bad rows are only counted. */
export async function loadTrace(path: string, options: LoadTraceOptions = {}): Promise<TraceData> {
  const bucketMs = _checkBucketMs(options.bucketMs ?? 1000);
  const report = new CleaningReport({ maxExamples: options.maxExamples });
  let format: TraceFormat | undefined;
  let counter: TrafficCounter | undefined;
  let assembler: TraceAssembler | undefined;
  let plain: PlainRatesReader | undefined;
  let mcr: McrReader | undefined;
  let inner: CsvVisitor | undefined;
  const visitor: CsvVisitor = {
    file(file, header) {
      if (inner === undefined) {
        format = detectFormat(header, file);
        if (isCallGraphFormat(format)) {
          const c = counter = new TrafficCounter({ bucketMs });
          const f = format;
          inner = assembler = new TraceAssembler({
            report,
            traceWindowMs: options.traceWindowMs,
            onTrace: (trace) => {
              const clean = cleanTrace(trace, { format: f, report });
              if (clean) c.add(clean);
            },
          });
        } else if (format === "plain") {
          inner = plain = new PlainRatesReader({ report, bucketMs });
        } else if (format === "plain-edges") {
          throw new InputError(`${file}: an edges file is not a trace; pass it as the edges option`);
        } else {
          inner = mcr = new McrReader({ report, bucketMs });
        }
      }
      inner.file(file, header);
    },
    row(fields, line) {
      inner!.row(fields, line);
    },
  };
  const { files, rows } = await streamCsv(path, { visitor, report });
  assembler?.finish();
  const source = assembler ?? plain ?? mcr!;
  const startMs = Number.isFinite(source.minTimestamp) ? source.minTimestamp : 0;
  const endMs = Number.isFinite(source.maxTimestamp) ? source.maxTimestamp : startMs;
  const firstBucket = Math.floor(startMs / bucketMs);
  const buckets = rows > 0 && Number.isFinite(source.minTimestamp)
    ? Math.floor(endMs / bucketMs) - firstBucket + 1
    : 0;
  const window = { firstBucket, buckets };

  let graph: CallGraph;
  let external: Float64Array, arrivals: Float64Array;
  let services: string[];
  let responseTimeMs: Float64Array;
  if (counter) {
    graph = topServices(callGraphOf(counter), options.topK ?? 0);
    services = graph.nodes();
    ({ external, arrivals } = counter.rates(services, window));
    responseTimeMs = Float64Array.from(services, (s) => graph.getNodeAttribute(s, "meanRtMs") as number);
  } else if (plain) {
    const edges = options.edges === undefined ? [] : await readEdges(options.edges, report);
    const ratesAll = plain.rates(plain.services, window);
    const full = callGraphFromEdges(plain.services, { edges, source: options.edges ?? path });
    plain.services.forEach((name, j) => {
      let sum = 0;
      for (let t = 0; t < buckets; t++) sum += ratesAll[t * plain!.services.length + j];
      full.setNodeAttribute(name, "served", sum);
      full.setNodeAttribute(name, "external", sum);
    });
    full.forEachNode((name, a) => {
      if (Number.isNaN(a.served)) full.mergeNodeAttributes(name, { served: 0, external: 0 });
    });
    graph = topServices(full, options.topK ?? 0);
    services = busiestFirst(graph);
    external = plain.rates(services, window);
    arrivals = propagate(external, { services, graph });
    responseTimeMs = new Float64Array(services.length).fill(NaN);
  } else {
    const table = mcr!.table();
    services = table.services;
    graph = callGraphFromEdges(services, { edges: [], source: path });
    external = new Float64Array(buckets * services.length);
    arrivals = mcrRates(table, window);
    responseTimeMs = table.meanRtMs;
  }
  if (options.responseTimes !== undefined) {
    const table = await readMcr(options.responseTimes, { report, bucketMs });
    services.forEach((name, j) => {
      const i = table.services.indexOf(name);
      if (i >= 0 && Number.isFinite(table.meanRtMs[i])) responseTimeMs[j] = table.meanRtMs[i];
    });
  }
  return {
    format: format!,
    files,
    services,
    graph,
    edges: graphEdges(graph),
    bucketMs,
    firstBucket,
    buckets,
    external,
    arrivals,
    responseTimeMs,
    startMs,
    spanMs: endMs - startMs,
    rows,
    traces: assembler?.traces ?? 0,
    requests: counter?.requests ?? 0,
    cleaning: report,
  };
}

/** Reads an MCR/RT table on its own (for response times). */
export async function readMcr(
  path: string,
  options: { report: CleaningReport; bucketMs: number },
): Promise<McrTable> {
  const reader = new McrReader(options);
  await streamCsv(path, { visitor: reader, report: options.report });
  return reader.table();
}

async function readEdges(path: string, report: CleaningReport): Promise<TraceEdge[]> {
  const reader = new PlainEdgesReader({ report });
  await streamCsv(path, { visitor: reader, report });
  return reader.edges;
}

function busiestFirst(graph: CallGraph): string[] {
  return graph.nodes().sort((a, b) =>
    (graph.getNodeAttribute(b, "served") as number) - (graph.getNodeAttribute(a, "served") as number) ||
    (a < b ? -1 : a > b ? 1 : 0)
  );
}

/** Arrivals = external + calls from callers, iterated to a fixed point (exact for call DAGs). */
function propagate(external: Float64Array, options: { services: string[]; graph: CallGraph }): Float64Array {
  const { services, graph } = options;
  const s = services.length, t = s === 0 ? 0 : external.length / s;
  const index = new Map(services.map((n, i) => [n, i]));
  const edges = graph.mapEdges((_e, a, caller, callee) => [index.get(caller)!, index.get(callee)!, a.weight]);
  const out = new Float64Array(external.length);
  const next = new Float64Array(s);
  for (let r = 0; r < t; r++) {
    const a = out.subarray(r * s, (r + 1) * s);
    a.set(external.subarray(r * s, (r + 1) * s));
    for (let iter = 0; iter <= s; iter++) {
      next.set(external.subarray(r * s, (r + 1) * s));
      for (const [i, j, w] of edges) next[j] += w * a[i];
      a.set(next);
    }
  }
  return out;
}

function mcrRates(table: McrTable, window: { firstBucket: number; buckets: number }): Float64Array {
  const s = table.services.length;
  const out = new Float64Array(window.buckets * s);
  for (let r = 0; r < table.buckets; r++) {
    const row = table.firstBucket + r - window.firstBucket;
    if (row < 0 || row >= window.buckets) continue;
    for (let j = 0; j < s; j++) {
      const v = table.mcr[r * s + j];
      if (Number.isFinite(v)) out[row * s + j] = v;
    }
  }
  return out;
}
