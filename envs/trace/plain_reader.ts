/**
 * Reads plain CSV traces: rates (`timestamp,service,rate`: requests per second entering the cluster at
 * the service, timestamps in ms) and an optional edges file (`caller,callee,calls_per_request`).
 * Rates are averaged per time bucket; a bucket without a sample of a service keeps its previous rate
 * (0 before its first sample).
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";
import { _bucketSpan, _checkBucketMs } from "./_buckets.ts";
import type { CleaningReport } from "./cleaning_report.ts";
import type { TraceEdge } from "./call_graph.ts";
import type { CsvVisitor } from "./csv_rows.ts";
import { columnIndices, detectFormat } from "./formats.ts";

/** A {@linkcode CsvVisitor} for plain rate tables. */
export class PlainRatesReader implements CsvVisitor {
  /** Lowest timestamp read (ms). */
  minTimestamp: number = Infinity;
  /** Highest timestamp read (ms). */
  maxTimestamp: number = -Infinity;
  /** Services in order of first appearance. */
  readonly services: string[] = [];
  #report: CleaningReport;
  #bucketMs: number;
  #file = "";
  #col: number[] = [];
  #index = new Map<string, number>();
  #cells = new Map<number, Map<number, [number, number]>>();

  /** Makes a reader with the given bucket width. */
  constructor(options: { report: CleaningReport; bucketMs: number }) {
    this.#bucketMs = _checkBucketMs(options.bucketMs);
    this.#report = options.report;
  }

  /** Checks a file's header. */
  file(file: string, header: string[]): void {
    const format = detectFormat(header, file);
    if (format !== "plain") {
      throw new InputError(`${file}:1: expected timestamp,service,rate, found ${format}`);
    }
    this.#file = file;
    this.#col = columnIndices(header, { columns: ["timestamp", "service", "rate"], file });
  }

  /** Adds one sample. */
  row(fields: string[], line: number): void {
    const [ct, cs, cr] = this.#col;
    const timestamp = Number(fields[ct]), rate = Number(fields[cr]), service = fields[cs];
    let problem = "";
    if (fields[ct] === "" || !Number.isFinite(timestamp)) {
      problem = `timestamp "${fields[ct]}" is not a number`;
    } else if (service === "") problem = "empty service";
    else if (fields[cr] === "" || !(rate >= 0) || !Number.isFinite(rate)) {
      problem = `rate "${fields[cr]}" is not a number >= 0`;
    }
    if (problem !== "") {
      this.#report.skip("unreadableLines", { file: this.#file, line, message: problem });
      return;
    }
    if (timestamp < this.minTimestamp) this.minTimestamp = timestamp;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    let i = this.#index.get(service);
    if (i === undefined) {
      i = this.services.length;
      this.#index.set(service, i);
      this.services.push(service);
    }
    const bucket = Math.floor(timestamp / this.#bucketMs);
    let row = this.#cells.get(bucket);
    if (row === undefined) this.#cells.set(bucket, row = new Map());
    const cell = row.get(i);
    if (cell === undefined) row.set(i, [rate, 1]);
    else {
      cell[0] += rate;
      cell[1]++;
    }
  }

  /** The first bucket index and the number of buckets with samples in between (`[0, 0]` when empty). */
  bucketRange(): [number, number] {
    return _bucketSpan(this.#cells.keys());
  }

  /** Dense rates `[T,S]` of `services` (unknown names get zeros) over the given buckets, gaps held. */
  rates(services: readonly string[], window: { firstBucket: number; buckets: number }): Float64Array {
    const s = services.length, t = window.buckets;
    const out = new Float64Array(t * s);
    const columns = services.map((name) => this.#index.get(name) ?? -1);
    const last = new Float64Array(s);
    const before = [...this.#cells.keys()].filter((b) => b < window.firstBucket).sort((a, b) => a - b);
    for (const b of before) {
      const row = this.#cells.get(b)!;
      columns.forEach((i, j) => {
        const cell = row.get(i);
        if (cell) last[j] = cell[0] / cell[1];
      });
    }
    for (let r = 0; r < t; r++) {
      const row = this.#cells.get(window.firstBucket + r);
      for (let j = 0; j < s; j++) {
        const cell = row?.get(columns[j]);
        if (cell) last[j] = cell[0] / cell[1];
        out[r * s + j] = last[j];
      }
    }
    return out;
  }
}

/** A {@linkcode CsvVisitor} for a plain edges file (`caller,callee,calls_per_request`). */
export class PlainEdgesReader implements CsvVisitor {
  /** The edges read, in file order. */
  readonly edges: TraceEdge[] = [];
  #report: CleaningReport;
  #file = "";
  #col: number[] = [];
  #seen = new Set<string>();

  /** Makes a reader that names bad lines in `report`. */
  constructor(options: { report: CleaningReport }) {
    this.#report = options.report;
  }

  /** Checks a file's header. */
  file(file: string, header: string[]): void {
    const format = detectFormat(header, file);
    if (format !== "plain-edges") {
      throw new InputError(`${file}:1: expected caller,callee,calls_per_request, found ${format}`);
    }
    this.#file = file;
    this.#col = columnIndices(header, { columns: ["caller", "callee", "calls_per_request"], file });
  }

  /** Adds one edge; empty names, a bad weight, self loops and repeated edges are named and skipped. */
  row(fields: string[], line: number): void {
    const caller = fields[this.#col[0]], callee = fields[this.#col[1]], text = fields[this.#col[2]];
    const weight = Number(text);
    let problem = "";
    if (caller === "" || callee === "") problem = "empty caller or callee";
    else if (text === "" || !(weight >= 0) || !Number.isFinite(weight)) {
      problem = `calls_per_request "${text}" is not a number >= 0`;
    } else if (caller === callee) problem = `self call ${caller}→${callee}`;
    else if (this.#seen.has(`${caller}\u0000${callee}`)) problem = `edge ${caller}→${callee} appears twice`;
    if (problem !== "") {
      this.#report.skip("unreadableLines", { file: this.#file, line, message: problem });
      return;
    }
    this.#seen.add(`${caller}\u0000${callee}`);
    this.edges.push([caller, callee, weight]);
  }
}
