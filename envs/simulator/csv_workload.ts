/**
 * Per-service external rates replayed from a CSV file with the columns `timestamp,service,rate` (an
 * optional header line names them). Timestamps are seconds (any number) or ISO 8601 dates; rows may come
 * in any order. Step `k` takes, per service, the rate of the latest row at or before `t₀ + k·stepSeconds`
 * (`t₀` = the first timestamp; 0 before a service's first row); after the last timestamp the file starts
 * over (or holds its last rates).
 *
 * @example
 * ```csv
 * timestamp,service,rate
 * 0,frontend,120
 * 15,frontend,180.5
 * ```
 *
 * @module
 */
import { parse } from "csv-parse/sync";
import { InputError } from "../../core/errors.ts";
import type { Random } from "../../core/random.ts";
import type { Workload } from "./workload.ts";

/** Options of {@linkcode loadCsvWorkload}. */
export interface CsvWorkloadOptions {
  /** Service names in service order; a row naming another service is an error. */
  services: string[];
  /** Seconds per control step. */
  stepSeconds: number;
  /** Multiplies every rate (default 1). */
  scale?: number;
  /** Start over after the last timestamp (default true); false holds the last rates. */
  loop?: boolean;
}

/** Rates replayed from a table of distinct timestamps × services (see the module doc). */
export class CsvWorkload implements Workload {
  readonly #times: Float64Array;
  readonly #rates: Float64Array;
  readonly #services: number;
  readonly #period: number;
  readonly #options: CsvWorkloadOptions;

  /** Makes the workload from sorted distinct `times` (seconds) and forward-filled `rates` `[T,S]`. */
  constructor(table: { times: Float64Array; rates: Float64Array }, options: CsvWorkloadOptions) {
    this.#times = table.times;
    this.#rates = table.rates;
    this.#services = options.services.length;
    this.#options = options;
    const n = table.times.length;
    let gap = Infinity;
    for (let i = 1; i < n; i++) gap = Math.min(gap, table.times[i] - table.times[i - 1]);
    this.#period = table.times[n - 1] - table.times[0] + (Number.isFinite(gap) ? gap : options.stepSeconds);
  }

  /** Seconds after which the file starts over. */
  get periodSeconds(): number {
    return this.#period;
  }

  /** Nothing to draw: a replay is the same for every seed. */
  reset(_rng: Random): void {}

  /** Fills `out[S]` with the file's rates at step `step` (times the scale). */
  externalRates(step: number, out: Float64Array): void {
    const times = this.#times, s = this.#services;
    let t = step * this.#options.stepSeconds;
    if (this.#options.loop ?? true) t %= this.#period;
    t += times[0];
    let lo = 0, hi = times.length - 1;
    while (lo < hi) { // the last index with times[i] <= t
      const mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    const scale = this.#options.scale ?? 1;
    for (let j = 0; j < s; j++) out[j] = this.#rates[lo * s + j] * scale;
  }
}

/**
 * Reads and checks a `timestamp,service,rate` file with the pinned `csv-parse`. A bad line is an
 * {@linkcode InputError} naming `file:line` and the problem.
 */
export async function loadCsvWorkload(path: string, options: CsvWorkloadOptions): Promise<CsvWorkload> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read the workload file: ${e instanceof Error ? e.message : e}`);
  }
  return parseCsvWorkload(text, { ...options, path });
}

/** Parses the text of a CSV workload file; `path` names it in errors. */
export function parseCsvWorkload(text: string, options: CsvWorkloadOptions & { path: string }): CsvWorkload {
  const { path, services } = options;
  const index = new Map(services.map((name, i) => [name, i]));
  let records: { info: { lines: number }; record: string[] }[];
  try {
    records = parse(text, {
      info: true,
      skip_empty_lines: true,
      trim: true,
      comment: "#",
      relax_column_count: true,
    }) as unknown as { info: { lines: number }; record: string[] }[];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new InputError(`${path}${line ? `:${line}` : ""}: ${e instanceof Error ? e.message : e}`);
  }
  const rows: { time: number; service: number; rate: number }[] = [];
  records.forEach(({ info, record }, k) => {
    const where = `${path}:${info.lines}`;
    if (k === 0 && record[2]?.toLowerCase() === "rate") return; // header
    if (record.length !== 3) {
      throw new InputError(`${where}: expected 3 fields (timestamp,service,rate), got ${record.length}`);
    }
    const [ts, name, value] = record;
    const time = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(ts) ? Number(ts) : Date.parse(ts) / 1000;
    if (!Number.isFinite(time)) {
      throw new InputError(`${where}: timestamp "${ts}" is neither seconds nor a date`);
    }
    const service = index.get(name);
    if (service === undefined) {
      throw new InputError(`${where}: "${name}" is not a service (known: ${services.join(", ")})`);
    }
    const rate = value === "" ? NaN : Number(value);
    if (!(rate >= 0) || !Number.isFinite(rate)) {
      throw new InputError(`${where}: rate "${value}" must be a finite number ≥ 0 (req/s)`);
    }
    rows.push({ time, service, rate });
  });
  if (rows.length === 0) throw new InputError(`${path}: no rows (expected timestamp,service,rate lines)`);
  rows.sort((a, b) => a.time - b.time);
  const times = [...new Set(rows.map((r) => r.time))];
  const s = services.length;
  const rates = new Float64Array(times.length * s);
  let row = 0;
  for (let k = 0; k < times.length; k++) {
    if (k > 0) rates.copyWithin(k * s, (k - 1) * s, k * s); // hold the previous rates
    while (row < rows.length && rows[row].time === times[k]) {
      rates[k * s + rows[row].service] = rows[row].rate;
      row++;
    }
  }
  return new CsvWorkload({ times: Float64Array.from(times), rates }, options);
}
