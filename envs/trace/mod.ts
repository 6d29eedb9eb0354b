/**
 * The `trace` environment: replays recorded microservice traffic through the simulator's model.
 *
 * - Register {@linkcode tracePlugin} (name `trace`) to use it from a pipeline
 *   (`"env": { "plugin": "trace", "options": { "path": "…" } }`).
 * - Read traces from code: {@linkcode loadTrace} streams Alibaba v2021 `MS_CallGraph` / `MS_MCR_RT`,
 *   v2022 `CallGraph` / `MSRTMCR` and plain `timestamp,service,rate` CSV (a file, a `.gz` file, or a
 *   folder of parts), cleans the known data problems (counted in a {@linkcode CleaningReport}), and gives
 *   the services, the call graph (graphology; edge weight = calls per request the caller serves) and
 *   per-bucket request rates.
 * - {@linkcode traceSummaryCommand} is the `trace-summary` command of the CLI.
 *
 * @example Load a plain trace and read its rates
 * ```ts
 * import { loadTrace } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/rates.csv`, "timestamp,service,rate\n0,front,10\n1000,front,30\n");
 * const trace = await loadTrace(`${dir}/rates.csv`, { bucketMs: 1000 });
 * console.assert(trace.services[0] === "front" && trace.external[1] === 30);
 * ```
 *
 * @module
 */
export {
  createTraceEnvironment,
  TRACE_OPTIONS_SCHEMA,
  tracePlugin,
  traceTopology,
} from "./trace_environment.ts";
export type { TraceEnvironmentOptions } from "./trace_environment.ts";
export { loadTrace, readMcr } from "./trace_data.ts";
export type { LoadTraceOptions, TraceData } from "./trace_data.ts";
export { formatSummary, summarizeTrace, traceSummaryCommand } from "./summary_command.ts";
export type { ServiceRateStats, TraceSummary } from "./summary_command.ts";
export { TraceWorkload } from "./trace_workload.ts";
export type { TraceRates, TraceWorkloadOptions } from "./trace_workload.ts";
export { CLEANING_KINDS, CleaningReport } from "./cleaning_report.ts";
export type { CleaningExample, CleaningKind, CleaningReportOptions } from "./cleaning_report.ts";
export { acyclicEdges, callGraphFromEdges, callGraphOf, graphEdges, topServices } from "./call_graph.ts";
export type { CallAttributes, CallGraph, ServiceAttributes, TraceEdge } from "./call_graph.ts";
export { columnIndices, detectFormat, FORMAT_COLUMNS, isCallGraphFormat, TRACE_FORMATS } from "./formats.ts";
export type { TraceFormat } from "./formats.ts";
export { streamCsv } from "./csv_rows.ts";
export type { CsvVisitor, StreamCsvOptions, StreamCsvResult } from "./csv_rows.ts";
export { listTraceFiles, openTraceFile } from "./trace_files.ts";
export { TraceAssembler } from "./trace_assembler.ts";
export type { CallRow, TraceAssemblerOptions, TraceRows } from "./trace_assembler.ts";
export { cleanTrace, ENTRY_RPC_ID, parentRpcId, UNKNOWN_SERVICES } from "./trace_cleaner.ts";
export type { CleanCall, CleanTrace, CleanTraceOptions } from "./trace_cleaner.ts";
export { TrafficCounter } from "./traffic_counter.ts";
export type { BucketRates, TrafficCounterOptions } from "./traffic_counter.ts";
export { McrReader } from "./mcr_reader.ts";
export type { McrTable } from "./mcr_reader.ts";
export { PlainEdgesReader, PlainRatesReader } from "./plain_reader.ts";
