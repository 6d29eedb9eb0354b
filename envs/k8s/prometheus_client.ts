/**
 * A small client of Prometheus' instant-query API (`POST /api/v1/query`, form-encoded) with time-outs and
 * bounded retries on 429, 5xx, time-outs and connection errors.
 *
 * @module
 */
import type { Random } from "../../core/random.ts";
import { isTransientStatus, requestWithRetry, type RetryOptions } from "./retry.ts";
import { parsePrometheusResponse, type PromResponse } from "./prometheus_response.ts";
import { DEFAULT_RETRY } from "./retry.ts";

/** Options of {@linkcode PrometheusClient}. */
export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://prometheus.monitoring:9090` (a path prefix is kept). */
  url: string;
  /** Time-out and retries (default {@linkcode DEFAULT_RETRY}). */
  retry?: RetryOptions;
  /** Waits between tries (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source for back-off. */
  random?: Random;
  /** Told about each retried try. */
  onRetry?: (message: string) => void;
}

/** Options of one query. */
export interface QueryOptions {
  /** Evaluation time in milliseconds since the epoch (default: Prometheus' now). */
  time?: number;
  /** Name of the query for messages (e.g. the feature). */
  name?: string;
}

/** Sends instant queries to one Prometheus server. */
export class PrometheusClient {
  #endpoint: string;
  #options: PrometheusClientOptions;

  /** Makes a client; nothing is sent until {@linkcode query}. */
  constructor(options: PrometheusClientOptions) {
    this.#endpoint = `${options.url.replace(/\/+$/, "")}/api/v1/query`;
    this.#options = options;
  }

  /**
   * Evaluates `promql` at one instant. Throws a `PrometheusError` when Prometheus answers with an error
   * (`errorType` tells which) and a `RuntimeError` when it cannot be reached within the retries.
   */
  async query(promql: string, options: QueryOptions = {}): Promise<PromResponse> {
    const form = new URLSearchParams({ query: promql });
    if (options.time !== undefined) form.set("time", (options.time / 1000).toFixed(3));
    const answer = await requestWithRetry(this.#endpoint, {
      init: {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
      },
      retry: this.#options.retry ?? DEFAULT_RETRY,
      retryOn: isTransientStatus,
      sleep: this.#options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: this.#options.random,
      what: `Prometheus query${options.name ? ` ${options.name}` : ""}`,
      onRetry: this.#options.onRetry,
    });
    try {
      return parsePrometheusResponse(answer.body, { status: answer.status });
    } catch (error) {
      if (error instanceof Error) {
        error.message = `Prometheus query${options.name ? ` ${options.name}` : ""}: ${error.message}` +
          (answer.attempts > 1 ? ` (after ${answer.attempts} tries)` : "");
      }
      throw error;
    }
  }
}
