/**
 * Groups the rows of an Alibaba call-graph table (v2021 `MS_CallGraph` or v2022 `CallGraph`) into
 * traces while streaming, with bounded memory: a trace is closed once no row of it came for
 * `traceWindowMs` of trace time (the newest timestamp read minus its newest), and handed on. Rows that
 * come after their trace was closed, or that are older than the window when their trace is unknown, are
 * counted as `lateRows` and dropped.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";
import type { CleaningReport } from "./cleaning_report.ts";
import type { CsvVisitor } from "./csv_rows.ts";
import { columnIndices, detectFormat, isCallGraphFormat } from "./formats.ts";
import type { TraceFormat } from "./formats.ts";

/** One call (one row) of a call-graph table. */
export interface CallRow {
  /** The rpc id (`0` for the entry call; the parent of `a.b.c` is `a.b`). */
  rpcId: string;
  /** The caller (upstream microservice), as written. */
  um: string;
  /** The callee (downstream microservice), as written. */
  dm: string;
  /** Response time in ms as written (v2021: negative on the callee side); NaN when missing. */
  rt: number;
  /** Timestamp in ms. */
  timestamp: number;
}

/** The rows of one trace, in the order they were read. */
export interface TraceRows {
  /** The trace id. */
  traceId: string;
  /** Its rows. */
  rows: CallRow[];
}

/** Options of {@linkcode TraceAssembler}. */
export interface TraceAssemblerOptions {
  /** Counts data problems. */
  report: CleaningReport;
  /** Receives every closed trace. */
  onTrace(trace: TraceRows): void;
  /** A trace closes once no row of it came for this long in trace time (ms, default 10,000). */
  traceWindowMs?: number;
}

// Open traces keep their rows packed (interned strings, numbers in a double array): every row lives
// for at least the trace window, so it is promoted to V8's old space, and packing keeps that small.
interface OpenTrace {
  last: number;
  /** rpc id, um and dm of each row. */
  names: string[];
  /** rt and timestamp of each row. */
  numbers: number[];
}

const MAX_INTERNED = 200_000;

/** A {@linkcode CsvVisitor} that assembles call-graph rows into traces. */
export class TraceAssembler implements CsvVisitor {
  /** The call-graph format, known once the first header was read. */
  format: TraceFormat | undefined;
  /** Lowest timestamp read (ms); `Infinity` before any row. */
  minTimestamp: number = Infinity;
  /** Highest timestamp read (ms); `-Infinity` before any row. */
  maxTimestamp: number = -Infinity;
  /** Traces handed on so far. */
  traces: number = 0;
  #report: CleaningReport;
  #onTrace: (trace: TraceRows) => void;
  #window: number;
  #open = new Map<string, OpenTrace>();
  #closed = new Map<string, number>();
  #strings = new Map<string, string>();
  #file = "";
  #col: number[] = [];

  /** Makes an assembler. */
  constructor(options: TraceAssemblerOptions) {
    this.#report = options.report;
    this.#onTrace = options.onTrace;
    this.#window = options.traceWindowMs ?? 10_000;
    if (!(this.#window >= 0)) throw new InputError(`traceWindowMs must be >= 0 (got ${this.#window})`);
  }

  /** Open traces right now (what memory is spent on). */
  get openTraces(): number {
    return this.#open.size;
  }

  /** Checks a file's header; every part must be the same call-graph format. */
  file(file: string, header: string[]): void {
    const format = detectFormat(header, file);
    if (!isCallGraphFormat(format)) {
      throw new InputError(`${file}:1: expected a call-graph table, found the ${format} format`);
    }
    if (this.format !== undefined && this.format !== format) {
      throw new InputError(`${file}:1: this part is ${format} but the earlier parts are ${this.format}`);
    }
    this.format = format;
    this.#file = file;
    const v21 = format === "alibaba-v2021";
    const [traceid, timestamp, rpcid, um, dm, rt] = v21
      ? ["traceid", "timestamp", "rpcid", "um", "dm", "rt"]
      : ["traceid", "timestamp", "rpc_id", "um", "dm", "rt"];
    this.#col = columnIndices(header, { columns: [traceid, timestamp, rpcid, um, dm, rt], file });
  }

  /** Adds one row to its trace. */
  row(fields: string[], line: number): void {
    const c = this.#col;
    const traceId = fields[c[0]];
    const timestamp = Number(fields[c[1]]);
    if (traceId === "" || fields[c[1]] === "" || !Number.isFinite(timestamp)) {
      const what = traceId === "" ? "empty traceid" : `timestamp "${fields[c[1]]}" is not a number`;
      this.#report.skip("unreadableLines", { file: this.#file, line, message: what });
      return;
    }
    const rtText = fields[c[5]];
    const rt = rtText === "" ? NaN : Number(rtText);
    if (Number.isNaN(rt)) this.#report.count("missingRt");
    if (timestamp < this.minTimestamp) this.minTimestamp = timestamp;
    if (timestamp > this.maxTimestamp) {
      this.maxTimestamp = timestamp;
      this.#expire();
    }
    const open = this.#open.get(traceId);
    if (open !== undefined) {
      open.names.push(this.#intern(fields[c[2]]), this.#intern(fields[c[3]]), this.#intern(fields[c[4]]));
      open.numbers.push(rt, timestamp);
      if (timestamp > open.last) {
        open.last = timestamp;
        this.#open.delete(traceId);
        this.#open.set(traceId, open);
      }
    } else if (this.#closed.has(traceId) || this.maxTimestamp - timestamp > this.#window) {
      this.#report.count("lateRows");
    } else {
      const names = [this.#intern(fields[c[2]]), this.#intern(fields[c[3]]), this.#intern(fields[c[4]])];
      this.#open.set(traceId, { last: timestamp, names, numbers: [rt, timestamp] });
    }
  }

  /** Closes every open trace (call at the end of the input). */
  finish(): void {
    for (const [traceId, open] of this.#open) this.#close(traceId, open);
    this.#open.clear();
    this.#closed.clear();
  }

  #expire(): void {
    const horizon = this.maxTimestamp - this.#window;
    for (const [traceId, open] of this.#open) {
      if (open.last >= horizon) break;
      this.#open.delete(traceId);
      this.#close(traceId, open);
      this.#closed.set(traceId, this.maxTimestamp);
    }
    for (const [traceId, closedAt] of this.#closed) {
      if (closedAt >= horizon) break;
      this.#closed.delete(traceId);
    }
  }

  #close(traceId: string, open: OpenTrace): void {
    this.traces++;
    const { names, numbers } = open;
    const rows: CallRow[] = new Array(numbers.length / 2);
    for (let i = 0; i < rows.length; i++) {
      rows[i] = {
        rpcId: names[3 * i],
        um: names[3 * i + 1],
        dm: names[3 * i + 2],
        rt: numbers[2 * i],
        timestamp: numbers[2 * i + 1],
      };
    }
    this.#onTrace({ traceId, rows });
  }

  #intern(text: string): string {
    const known = this.#strings.get(text);
    if (known !== undefined) return known;
    if (this.#strings.size < MAX_INTERNED) this.#strings.set(text, text);
    return text;
  }
}
