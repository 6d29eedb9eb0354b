/**
 * Cleans the rows of one trace into its entry call and the calls between known services, counting every
 * data problem in a {@linkcode CleaningReport}: duplicate (trace id, rpc id) rows, the v2021 callee-side
 * copy of each RPC, unknown callers (inferred from the parent call when possible), unknown callees,
 * self calls, and traces without an entry call.
 *
 * @module
 */
import type { CleaningReport } from "./cleaning_report.ts";
import type { TraceFormat } from "./formats.ts";
import type { CallRow, TraceRows } from "./trace_assembler.ts";

/** Service names that mean "not known" (as callers, `USER` too except on the entry call). */
export const UNKNOWN_SERVICES: ReadonlySet<string> = new Set(["", "UNKNOWN", "UNAVAILABLE", "NAN", "(?)"]);

/** The entry rpc id: the call that brings a request into the cluster. */
export const ENTRY_RPC_ID = "0";

/** One cleaned call between two known services. */
export interface CleanCall {
  /** The calling service. */
  caller: string;
  /** The called service. */
  callee: string;
  /** Response time in ms (NaN when missing). */
  rt: number;
  /** Timestamp in ms. */
  timestamp: number;
}

/** A cleaned trace: one external request entering at `entry.callee`, and the calls it caused. */
export interface CleanTrace {
  /** The entry call; its `caller` is the client (e.g. `USER`), its `callee` the entry service. */
  entry: CleanCall;
  /** The other calls, each between two distinct known services. */
  calls: CleanCall[];
}

/** Options of {@linkcode cleanTrace}. */
export interface CleanTraceOptions {
  /** The call-graph format the rows came from. */
  format: TraceFormat;
  /** Where the problems are counted. */
  report: CleaningReport;
}

/** The parent rpc id of `a.b.c` is `a.b`; the entry `0` has none (empty string). */
export function parentRpcId(rpcId: string): string {
  const dot = rpcId.lastIndexOf(".");
  return dot < 0 ? "" : rpcId.slice(0, dot);
}

function unknownCaller(name: string): boolean {
  return UNKNOWN_SERVICES.has(name) || name === "USER";
}

/**
 * Cleans one trace; returns `undefined` (and counts `tracesWithoutEntry`) when it has no usable entry
 * call. Of several rows with the same rpc id the first is kept, except that in v2021 the caller side
 * (rt >= 0 or missing) replaces the callee side (rt < 0).
 */
export function cleanTrace(trace: TraceRows, options: CleanTraceOptions): CleanTrace | undefined {
  const { report } = options;
  const v2021 = options.format === "alibaba-v2021";
  const byRpc = new Map<string, CallRow>();
  for (const row of trace.rows) {
    const prev = byRpc.get(row.rpcId);
    if (prev === undefined) {
      byRpc.set(row.rpcId, row);
    } else if (v2021 && prev.rt < 0 && !(row.rt < 0)) {
      byRpc.set(row.rpcId, row);
      report.count("calleeSideRows");
    } else if (v2021 && row.rt < 0 && !(prev.rt < 0)) {
      report.count("calleeSideRows");
    } else {
      report.count("duplicateRows");
    }
  }
  const entryRow = byRpc.get(ENTRY_RPC_ID);
  if (entryRow === undefined || UNKNOWN_SERVICES.has(entryRow.dm)) {
    report.count("tracesWithoutEntry");
    return undefined;
  }
  const entry: CleanCall = {
    caller: entryRow.um,
    callee: entryRow.dm,
    rt: Math.abs(entryRow.rt),
    timestamp: entryRow.timestamp,
  };
  const calls: CleanCall[] = [];
  for (const row of byRpc.values()) {
    if (row === entryRow) continue;
    if (UNKNOWN_SERVICES.has(row.dm)) {
      report.count("unknownCallee");
      continue;
    }
    let caller = row.um;
    if (unknownCaller(caller)) {
      const parent = byRpc.get(parentRpcId(row.rpcId));
      if (parent === undefined || UNKNOWN_SERVICES.has(parent.dm)) {
        report.count("unknownCaller");
        continue;
      }
      caller = parent.dm;
      report.count("callerInferred");
    }
    if (caller === row.dm) {
      report.count("selfCalls");
      continue;
    }
    calls.push({ caller, callee: row.dm, rt: Math.abs(row.rt), timestamp: row.timestamp });
  }
  return { entry, calls };
}
