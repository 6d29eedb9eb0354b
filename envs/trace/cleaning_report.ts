/**
 * What cleaning a trace found: a count for every kind of data problem, and a bounded list of examples
 * that name the file and line of the rows that could not be read.
 *
 * @module
 */

/**
 * The kinds of data problem the trace readers clean. Rows are dropped unless said otherwise.
 *
 * - `unreadableLines`: a line the CSV parser could not read, or whose timestamp or rate is not a number.
 * - `badFieldCount`: a row with missing or extra fields.
 * - `duplicateRows`: a second row with the same (trace id, rpc id).
 * - `calleeSideRows`: Alibaba v2021 records each RPC twice; the callee side (rt < 0) is dropped.
 * - `missingRt`: rt is `None`, empty or not a number (the row is kept; its response time is unknown).
 * - `callerInferred`: the caller was `UNKNOWN`, `UNAVAILABLE` or empty and was taken from the parent call
 *   (the callee of rpc id `a.b` calls `a.b.c`); the row is kept.
 * - `unknownCaller`: the caller was unknown and could not be inferred.
 * - `unknownCallee`: the callee was `UNKNOWN`, `UNAVAILABLE` or empty.
 * - `selfCalls`: a service calling itself (the simulator's call graph has no self loops).
 * - `tracesWithoutEntry`: traces (not rows) without an entry call (rpc id `0`); all their rows are dropped.
 * - `lateRows`: rows that came after their trace was closed (see the reader's `traceWindowMs`).
 */
export const CLEANING_KINDS = [
  "unreadableLines",
  "badFieldCount",
  "duplicateRows",
  "calleeSideRows",
  "missingRt",
  "callerInferred",
  "unknownCaller",
  "unknownCallee",
  "selfCalls",
  "tracesWithoutEntry",
  "lateRows",
] as const;

/** One of {@linkcode CLEANING_KINDS}. */
export type CleaningKind = typeof CLEANING_KINDS[number];

/** A row that could not be read, named by file and line. */
export interface CleaningExample {
  /** The kind of problem. */
  kind: CleaningKind;
  /** The file the row came from. */
  file: string;
  /** The 1-based line of the file. */
  line: number;
  /** What was wrong. */
  message: string;
}

/** Options of {@linkcode CleaningReport}. */
export interface CleaningReportOptions {
  /** The most examples kept (default 20); counts are kept for every row. */
  maxExamples?: number;
}

/** Counts of cleaned data problems by kind plus a bounded list of named examples. */
export class CleaningReport {
  /** Counts by kind (every kind present, 0 when none). */
  readonly counts: Record<CleaningKind, number>;
  /** The first examples of unreadable rows (at most `maxExamples`). */
  readonly examples: CleaningExample[] = [];
  #maxExamples: number;

  /** Makes an empty report. */
  constructor(options: CleaningReportOptions = {}) {
    this.#maxExamples = options.maxExamples ?? 20;
    this.counts = Object.fromEntries(CLEANING_KINDS.map((k) => [k, 0])) as Record<CleaningKind, number>;
  }

  /** Counts `n` (default 1) occurrences of a problem. */
  count(kind: CleaningKind, n = 1): void {
    this.counts[kind] += n;
  }

  /** Counts a row that could not be read and keeps it as an example while there is room. */
  skip(kind: CleaningKind, example: Omit<CleaningExample, "kind">): void {
    this.counts[kind]++;
    if (this.examples.length < this.#maxExamples) this.examples.push({ kind, ...example });
  }

  /** The total over every kind. */
  get total(): number {
    return CLEANING_KINDS.reduce((sum, k) => sum + this.counts[k], 0);
  }

  /** Human-readable lines: one per non-zero kind, then the examples as `file:line: message`. */
  format(): string[] {
    const lines = CLEANING_KINDS.filter((k) => this.counts[k] > 0).map((k) => `${k}: ${this.counts[k]}`);
    if (lines.length === 0) lines.push("no data problems found");
    for (const e of this.examples) lines.push(`${e.file}:${e.line}: ${e.kind}: ${e.message}`);
    return lines;
  }
}
