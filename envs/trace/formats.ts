/**
 * The trace file formats the readers know, recognised by their header line.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";

/**
 * A trace file format.
 *
 * - `alibaba-v2021`: `MS_CallGraph` (`,traceid,timestamp,rpcid,um,rpctype,dm,interface,rt`).
 * - `alibaba-v2021-mcr`: `MS_MCR_RT` in long form (`timestamp,msname,msinstanceid,metrics,value`).
 * - `alibaba-v2022`: `CallGraph` (`timestamp,traceid,service,rpc_id,um,uminstanceid,rpctype,interface,dm,
 *   dminstanceid,rt`).
 * - `alibaba-v2022-mcr`: `MSRTMCR` in wide form (`timestamp,msname,msinstanceid,nodeid,providerrpc_rt,…`).
 * - `plain`: `timestamp,service,rate` (requests per second entering the cluster at the service).
 * - `plain-edges`: `caller,callee,calls_per_request`.
 */
export type TraceFormat =
  | "alibaba-v2021"
  | "alibaba-v2021-mcr"
  | "alibaba-v2022"
  | "alibaba-v2022-mcr"
  | "plain"
  | "plain-edges";

/** The formats, in the order they are recognised. */
export const TRACE_FORMATS: readonly TraceFormat[] = [
  "alibaba-v2021",
  "alibaba-v2021-mcr",
  "alibaba-v2022",
  "alibaba-v2022-mcr",
  "plain",
  "plain-edges",
];

/** The columns each format must have (a leading unnamed index column and extra columns are allowed). */
export const FORMAT_COLUMNS: Readonly<Record<TraceFormat, readonly string[]>> = {
  "alibaba-v2021": ["traceid", "timestamp", "rpcid", "um", "rpctype", "dm", "interface", "rt"],
  "alibaba-v2021-mcr": ["timestamp", "msname", "msinstanceid", "metrics", "value"],
  "alibaba-v2022": [
    "timestamp",
    "traceid",
    "service",
    "rpc_id",
    "um",
    "uminstanceid",
    "rpctype",
    "interface",
    "dm",
    "dminstanceid",
    "rt",
  ],
  "alibaba-v2022-mcr": ["timestamp", "msname", "msinstanceid", "providerrpc_rt", "providerrpc_mcr"],
  "plain": ["timestamp", "service", "rate"],
  "plain-edges": ["caller", "callee", "calls_per_request"],
};

/** Whether a format is a call-graph table (rows grouped into traces). */
export function isCallGraphFormat(format: TraceFormat): format is "alibaba-v2021" | "alibaba-v2022" {
  return format === "alibaba-v2021" || format === "alibaba-v2022";
}

/** Normalises header names: trimmed and lower-cased. */
export function normalizeHeader(header: readonly string[]): string[] {
  return header.map((h) => h.trim().toLowerCase());
}

/**
 * Recognises the format of a file from its header (names compared case-insensitively); throws an
 * {@linkcode InputError} naming the file and listing the known headers otherwise.
 */
export function detectFormat(header: readonly string[], file: string): TraceFormat {
  const names = new Set(normalizeHeader(header));
  for (const format of TRACE_FORMATS) {
    if (FORMAT_COLUMNS[format].every((c) => names.has(c))) return format;
  }
  const known = TRACE_FORMATS.map((f) => `${f} (${FORMAT_COLUMNS[f].join(",")})`).join("; ");
  throw new InputError(
    `${file}:1: unrecognised trace header "${header.join(",")}"; known formats: ${known}`,
  );
}

/**
 * The index of each named column in `header`; throws an {@linkcode InputError} naming the file and the
 * missing column when one is absent.
 */
export function columnIndices(
  header: readonly string[],
  options: { columns: readonly string[]; file: string },
): number[] {
  const names = normalizeHeader(header);
  return options.columns.map((c) => {
    const i = names.indexOf(c);
    if (i < 0) {
      throw new InputError(`${options.file}:1: missing column "${c}" in header "${header.join(",")}"`);
    }
    return i;
  });
}
