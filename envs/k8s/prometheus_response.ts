/**
 * Parses answers of Prometheus' HTTP API (`/api/v1/query`): the envelope (`status`, `data`, `errorType`,
 * `error`, `warnings`) and instant results (vector, scalar, string, matrix) with sample values sent as
 * strings (`"NaN"`, `"+Inf"`, `"-Inf"` included).
 *
 * @module
 */
import { RuntimeError } from "../../core/errors.ts";

/** One sample of an instant vector. */
export interface PromSample {
  /** The series' labels. */
  metric: Record<string, string>;
  /** Evaluation time in seconds since the epoch. */
  timestamp: number;
  /** The value (may be NaN or ±Infinity). */
  value: number;
}

/** One series of a range vector. */
export interface PromSeries {
  /** The series' labels. */
  metric: Record<string, string>;
  /** `[timestamp in seconds, value]` pairs. */
  values: [number, number][];
}

/** The `data` of a successful query. */
export type PromResult =
  | { resultType: "vector"; samples: PromSample[] }
  | { resultType: "scalar"; timestamp: number; value: number }
  | { resultType: "string"; timestamp: number; value: string }
  | { resultType: "matrix"; series: PromSeries[] };

/** A successful answer. */
export interface PromResponse {
  /** The result. */
  result: PromResult;
  /** Warnings Prometheus attached (e.g. about a partial answer). */
  warnings: string[];
}

/** Prometheus answered with `status: "error"` (or an answer that is not its API's). */
export class PrometheusError extends RuntimeError {
  /** `errorType` of the answer (`bad_data`, `execution`, `timeout`, `canceled`, `internal`, `unavailable`), or `invalid_response`. */
  errorType: string;
  /** The HTTP status. */
  status: number;

  /** Makes the error. */
  constructor(message: string, options: { errorType: string; status: number }) {
    super(message);
    this.name = "PrometheusError";
    this.errorType = options.errorType;
    this.status = options.status;
  }
}

/** Parses a sample value string: decimal numbers, `NaN`, `+Inf`, `-Inf` (also `Inf`). */
export function parseSampleValue(text: string): number {
  switch (text) {
    case "NaN":
      return NaN;
    case "+Inf":
    case "Inf":
      return Infinity;
    case "-Inf":
      return -Infinity;
  }
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) {
    throw new PrometheusError(`sample value ${JSON.stringify(text)} is not a number`, {
      errorType: "invalid_response",
      status: 200,
    });
  }
  return value;
}

/**
 * Parses a `/api/v1/query` answer body given its HTTP status. Throws a {@linkcode PrometheusError} for
 * `status: "error"` (with its `errorType` and `error`) and for bodies that are not the API's envelope.
 */
export function parsePrometheusResponse(body: string, options: { status: number }): PromResponse {
  const { status } = options;
  let envelope: Record<string, unknown>;
  try {
    envelope = JSON.parse(body);
  } catch {
    throw invalid(`HTTP ${status}, body is not JSON: ${snippet(body)}`, status);
  }
  if (typeof envelope !== "object" || envelope === null) {
    throw invalid(`HTTP ${status}, not an object`, status);
  }
  if (envelope.status === "error") {
    const errorType = typeof envelope.errorType === "string" ? envelope.errorType : "unknown";
    const error = typeof envelope.error === "string" ? envelope.error : "(no message)";
    throw new PrometheusError(`${errorType}: ${error}`, { errorType, status });
  }
  if (envelope.status !== "success") {
    throw invalid(`HTTP ${status}, "status" is ${JSON.stringify(envelope.status)}`, status);
  }
  const warnings = Array.isArray(envelope.warnings) ? envelope.warnings.map(String) : [];
  const data = envelope.data as Record<string, unknown> | undefined;
  if (typeof data !== "object" || data === null) throw invalid(`"data" is missing`, status);
  return { result: parseResult(data, status), warnings };
}

function parseResult(data: Record<string, unknown>, status: number): PromResult {
  const result = data.result;
  switch (data.resultType) {
    case "vector":
      if (!Array.isArray(result)) throw invalid(`vector "result" is not an array`, status);
      return {
        resultType: "vector",
        samples: result.map((s) => {
          const [timestamp, value] = pair(s?.value, status);
          return { metric: labels(s?.metric), timestamp, value: parseSampleValue(value) };
        }),
      };
    case "scalar": {
      const [timestamp, value] = pair(result, status);
      return { resultType: "scalar", timestamp, value: parseSampleValue(value) };
    }
    case "string": {
      const [timestamp, value] = pair(result, status);
      return { resultType: "string", timestamp, value };
    }
    case "matrix":
      if (!Array.isArray(result)) throw invalid(`matrix "result" is not an array`, status);
      return {
        resultType: "matrix",
        series: result.map((s) => {
          if (!Array.isArray(s?.values)) throw invalid(`matrix series without "values"`, status);
          return {
            metric: labels(s.metric),
            values: s.values.map((v: unknown) => {
              const [t, x] = pair(v, status);
              return [t, parseSampleValue(x)] as [number, number];
            }),
          };
        }),
      };
    default:
      throw invalid(`unknown resultType ${JSON.stringify(data.resultType)}`, status);
  }
}

/**
 * The one number an instant query stands for: a scalar's value, or the sum of a vector's samples.
 * `undefined` for an empty vector, a NaN, or a string or matrix result (nothing to act on).
 */
export function resultValue(result: PromResult): number | undefined {
  let value: number;
  if (result.resultType === "scalar") value = result.value;
  else if (result.resultType === "vector") {
    if (result.samples.length === 0) return undefined;
    value = result.samples.reduce((sum, s) => sum + s.value, 0);
  } else return undefined;
  return Number.isNaN(value) ? undefined : value;
}

function pair(value: unknown, status: number): [number, string] {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[1] !== "string") {
    throw invalid(`sample ${snippet(JSON.stringify(value) ?? "undefined")} is not [time, "value"]`, status);
  }
  const timestamp = Number(value[0]);
  if (!Number.isFinite(timestamp)) throw invalid(`sample time ${String(value[0])} is not a number`, status);
  return [timestamp, value[1]];
}

function labels(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = String(v);
  return out;
}

function invalid(message: string, status: number): PrometheusError {
  return new PrometheusError(`not a Prometheus API answer: ${message}`, {
    errorType: "invalid_response",
    status,
  });
}

function snippet(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
