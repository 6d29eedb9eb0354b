/**
 * Reads the Alibaba per-microservice metric tables: v2021 `MS_MCR_RT` in long form
 * (`timestamp,msname,msinstanceid,metrics,value`) and v2022 `MSRTMCR` in wide form
 * (`timestamp,msname,msinstanceid,nodeid,providerrpc_rt,providerrpc_mcr,…`). Both give the provider-side
 * response time per service and time bucket (the mean over instances and samples). Only v2021 gives a
 * usable call rate (`providerRPC_MCR`, summed over instances, averaged over the sample times of a
 * bucket): the v2022 MCR columns are max-min normalised, so v2022 rates come from the call-graph table.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";
import { _bucketSpan, _checkBucketMs } from "./_buckets.ts";
import type { CleaningReport } from "./cleaning_report.ts";
import type { CsvVisitor } from "./csv_rows.ts";
import { columnIndices, detectFormat } from "./formats.ts";
import type { TraceFormat } from "./formats.ts";

/** Per-service metrics of an MCR/RT table over its buckets. */
export interface McrTable {
  /** `alibaba-v2021-mcr` or `alibaba-v2022-mcr`. */
  format: TraceFormat;
  /** Services in order of first appearance. */
  services: string[];
  /** Bucket width in ms. */
  bucketMs: number;
  /** Index of the first bucket (bucket `b` covers `[b·bucketMs, (b+1)·bucketMs)`). */
  firstBucket: number;
  /** Number of buckets `T`. */
  buckets: number;
  /** Mean provider response time in ms `[T,S]`; NaN where no sample. */
  rtMs: Float64Array;
  /** Provider call rate `[T,S]` (v2021 only, in the table's unit); NaN where none (always in v2022). */
  mcr: Float64Array;
  /** Mean provider response time per service over the whole table in ms `[S]` (NaN when none). */
  meanRtMs: Float64Array;
}

interface Cell {
  rtSum: number;
  rtN: number;
  mcrSum: number;
  mcrTimes: number;
  lastMcrTs: number;
}

/** A {@linkcode CsvVisitor} that accumulates an MCR/RT table; {@linkcode McrReader.table} gives the result. */
export class McrReader implements CsvVisitor {
  /** The table format, known after the first header. */
  format: TraceFormat | undefined;
  /** Lowest timestamp read (ms). */
  minTimestamp: number = Infinity;
  /** Highest timestamp read (ms). */
  maxTimestamp: number = -Infinity;
  #report: CleaningReport;
  #bucketMs: number;
  #file = "";
  #col: number[] = [];
  #index = new Map<string, number>();
  #services: string[] = [];
  #cells = new Map<number, Map<number, Cell>>();

  /** Makes a reader with the given bucket width. */
  constructor(options: { report: CleaningReport; bucketMs: number }) {
    this.#bucketMs = _checkBucketMs(options.bucketMs);
    this.#report = options.report;
  }

  /** Checks a file's header; every part must be the same MCR format. */
  file(file: string, header: string[]): void {
    const format = detectFormat(header, file);
    if (format !== "alibaba-v2021-mcr" && format !== "alibaba-v2022-mcr") {
      throw new InputError(`${file}:1: expected an MCR/RT table, found the ${format} format`);
    }
    if (this.format !== undefined && this.format !== format) {
      throw new InputError(`${file}:1: this part is ${format} but the earlier parts are ${this.format}`);
    }
    this.format = format;
    this.#file = file;
    const columns = format === "alibaba-v2021-mcr"
      ? ["timestamp", "msname", "metrics", "value"]
      : ["timestamp", "msname", "providerrpc_rt"];
    this.#col = columnIndices(header, { columns, file });
  }

  /** Adds one row. */
  row(fields: string[], line: number): void {
    const c = this.#col;
    const timestamp = Number(fields[c[0]]);
    if (fields[c[0]] === "" || !Number.isFinite(timestamp)) {
      const message = `timestamp "${fields[c[0]]}" is not a number`;
      this.#report.skip("unreadableLines", { file: this.#file, line, message });
      return;
    }
    if (timestamp < this.minTimestamp) this.minTimestamp = timestamp;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    const name = fields[c[1]];
    if (name === "" || name === "UNKNOWN" || name === "UNAVAILABLE") return;
    let rt = NaN, mcr = NaN;
    if (this.format === "alibaba-v2021-mcr") {
      const metric = fields[c[2]].toLowerCase();
      if (metric === "providerrpc_rt") rt = parseValue(fields[c[3]]);
      else if (metric === "providerrpc_mcr") mcr = parseValue(fields[c[3]]);
      else return;
    } else {
      rt = parseValue(fields[c[2]]);
    }
    const cell = this.#cell(Math.floor(timestamp / this.#bucketMs), this.#service(name));
    if (Number.isFinite(rt)) {
      cell.rtSum += rt;
      cell.rtN++;
    }
    if (Number.isFinite(mcr)) {
      cell.mcrSum += mcr;
      if (timestamp !== cell.lastMcrTs) {
        cell.mcrTimes++;
        cell.lastMcrTs = timestamp;
      }
    }
  }

  /** The accumulated table. */
  table(): McrTable {
    const s = this.#services.length;
    const [firstBucket, buckets] = _bucketSpan(this.#cells.keys());
    const rtMs = new Float64Array(buckets * s).fill(NaN), mcr = new Float64Array(buckets * s).fill(NaN);
    const sum = new Float64Array(s), n = new Float64Array(s);
    for (const [b, row] of this.#cells) {
      for (const [i, cell] of row) {
        const k = (b - firstBucket) * s + i;
        if (cell.rtN > 0) rtMs[k] = cell.rtSum / cell.rtN;
        if (cell.mcrTimes > 0) mcr[k] = cell.mcrSum / cell.mcrTimes;
        sum[i] += cell.rtSum;
        n[i] += cell.rtN;
      }
    }
    const meanRtMs = sum.map((x, i) => n[i] > 0 ? x / n[i] : NaN);
    return {
      format: this.format ?? "alibaba-v2022-mcr",
      services: [...this.#services],
      bucketMs: this.#bucketMs,
      firstBucket,
      buckets,
      rtMs,
      mcr,
      meanRtMs,
    };
  }

  #service(name: string): number {
    let i = this.#index.get(name);
    if (i === undefined) {
      i = this.#services.length;
      this.#index.set(name, i);
      this.#services.push(name);
    }
    return i;
  }

  #cell(bucket: number, service: number): Cell {
    let row = this.#cells.get(bucket);
    if (row === undefined) this.#cells.set(bucket, row = new Map());
    let cell = row.get(service);
    if (cell === undefined) {
      row.set(service, cell = { rtSum: 0, rtN: 0, mcrSum: 0, mcrTimes: 0, lastMcrTs: NaN });
    }
    return cell;
  }
}

function parseValue(text: string): number {
  return text === "" ? NaN : Number(text);
}
