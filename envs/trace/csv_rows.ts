/**
 * Streams the rows of a trace path (a file, a `.gz` file or a folder of parts) through `csv-parse`'s
 * stream API, one file after the other, with each row's file and line. Memory stays bounded: rows are
 * handed to a visitor as they are parsed and never collected.
 *
 * Fields are split at commas; quotes are not special (the Alibaba tables never quote, and a stray quote
 * must not swallow the rest of a file). Empty lines are skipped.
 *
 * @module
 */
import { parse } from "csv-parse/stream";
import { InputError } from "../../core/errors.ts";
import type { CleaningReport } from "./cleaning_report.ts";
import { listTraceFiles, openTraceFile } from "./trace_files.ts";

/** Receives the rows of every file of a trace path. */
export interface CsvVisitor {
  /** A file begins; `header` is its first row. Throw an `InputError` to reject the file. */
  file(file: string, header: string[]): void;
  /** One data row with as many fields as the file's header, and its 1-based line in the current file. */
  row(fields: string[], line: number): void;
}

/** Options of {@linkcode streamCsv}. */
export interface StreamCsvOptions {
  /** Receives the rows. */
  visitor: CsvVisitor;
  /** Where rows with missing or extra fields and unreadable lines are counted and named. */
  report: CleaningReport;
}

/** What {@linkcode streamCsv} read. */
export interface StreamCsvResult {
  /** The files read, in order. */
  files: string[];
  /** Data rows read (headers and empty lines excluded), the skipped ones included. */
  rows: number;
}

/**
 * Streams every row of `path` to the visitor; rows whose field count differs from their file's header
 * are counted as `badFieldCount` and named in the report, never passed on. A file that cannot be read
 * (missing, corrupt gzip) is an {@linkcode InputError} naming it.
 */
export async function streamCsv(path: string, options: StreamCsvOptions): Promise<StreamCsvResult> {
  const { visitor, report } = options;
  const files = await listTraceFiles(path);
  let rows = 0;
  for (const file of files) {
    let width = -1;
    const parser = parse({
      quote: false,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      bom: true,
      on_skip: (err) => {
        rows++;
        const line = (err as { lines?: number } | undefined)?.lines ?? 0;
        report.skip("unreadableLines", { file, line, message: err?.message ?? "unreadable line" });
      },
      on_record: (fields: string[], info: { lines: number }) => {
        if (width < 0) {
          width = fields.length;
          visitor.file(file, fields);
          return null;
        }
        rows++;
        if (fields.length !== width) {
          report.skip("badFieldCount", {
            file,
            line: info.lines,
            message: `expected ${width} fields, got ${fields.length}`,
          });
          return null;
        }
        visitor.row(fields, info.lines);
        return null;
      },
    });
    const records = (await openTraceFile(file)).pipeThrough(parser);
    try {
      for await (const _ of records) {
        // every record is consumed in on_record
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`cannot read trace file "${file}": ${(e as Error).message}`, { cause: e });
    }
    if (width < 0) throw new InputError(`trace file "${file}" is empty (expected a header line)`);
  }
  return { files, rows };
}
