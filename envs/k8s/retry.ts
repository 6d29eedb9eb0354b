/**
 * HTTP requests with a time-out and bounded retries with exponential back-off, shared by the Prometheus
 * and Kubernetes clients.
 *
 * @module
 */
import { RuntimeError } from "../../core/errors.ts";
import type { Random } from "../../core/random.ts";

/** How requests are timed out and retried. */
export interface RetryOptions {
  /** Tries in all (the first one included); at least 1. */
  attempts: number;
  /** Back-off before the second try in milliseconds; doubled before each further try. */
  initialDelayMs: number;
  /** Longest back-off in milliseconds (also caps a server's `Retry-After`). */
  maxDelayMs: number;
  /** Time-out of one try (request and body) in milliseconds. */
  timeoutMs: number;
}

/** Defaults: 4 tries, 250 ms doubling up to 4 s, 5 s per try. */
export const DEFAULT_RETRY: RetryOptions = {
  attempts: 4,
  initialDelayMs: 250,
  maxDelayMs: 4000,
  timeoutMs: 5000,
};

/** An HTTP answer read in full. */
export interface HttpAnswer {
  /** The status code. */
  status: number;
  /** The body as text. */
  body: string;
  /** The response headers. */
  headers: Headers;
  /** Tries it took. */
  attempts: number;
}

/** Options of {@linkcode requestWithRetry}. */
export interface RequestOptions {
  /** Method, headers and body of each try (`signal` is set by this function). */
  init: RequestInit & { client?: Deno.HttpClient };
  /** Time-out and retry budget. */
  retry: RetryOptions;
  /** Statuses worth retrying (e.g. 429 and 5xx); time-outs and connection errors are always retried. */
  retryOn: (status: number) => boolean;
  /** Waits between tries; injectable for tests. */
  sleep: (ms: number) => Promise<void>;
  /** Jitter source: each back-off is scaled by a factor in [0.5, 1). Without it there is no jitter. */
  random?: Random;
  /** Short description of the call for error messages (e.g. `GET deployments/scale shop/web`). */
  what: string;
  /** Told about each failed try that will be retried. */
  onRetry?: (message: string) => void;
}

/** True for 429 and every 5xx status. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Sends a request, retrying time-outs, connection errors and the statuses `retryOn` accepts with
 * exponential back-off, at most `retry.attempts` tries in all. Returns the last answer (whatever its
 * status, including a retryable status once the tries are spent); throws a {@linkcode RuntimeError} when
 * no try got an answer.
 */
export async function requestWithRetry(url: string, options: RequestOptions): Promise<HttpAnswer> {
  const { retry } = options;
  const attempts = Math.max(1, Math.floor(retry.attempts));
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryAfterMs: number | undefined;
    let reason: string;
    try {
      const answer = await tryOnce(url, options);
      if (!options.retryOn(answer.status) || attempt === attempts) return { ...answer, attempts: attempt };
      reason = `HTTP ${answer.status}`;
      retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"));
    } catch (error) {
      lastError = error;
      reason = error instanceof Error ? error.message : String(error);
      if (attempt === attempts) break;
    }
    const backOff = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
    const jittered = options.random ? backOff * (0.5 + 0.5 * options.random.next()) : backOff;
    const delay = Math.min(retry.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
    options.onRetry?.(
      `${options.what}: ${reason}; retry ${attempt}/${attempts - 1} in ${Math.round(delay)} ms`,
    );
    await options.sleep(delay);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new RuntimeError(`${options.what} failed after ${attempts} tries: ${reason}`, { cause: lastError });
}

async function tryOnce(
  url: string,
  options: RequestOptions,
): Promise<{ status: number; body: string; headers: Headers }> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.retry.timeoutMs);
  try {
    const response = await fetch(url, { ...options.init, signal: controller.signal });
    const body = await response.text();
    return { status: response.status, body, headers: response.headers };
  } catch (error) {
    if (timedOut) {
      throw new RuntimeError(`timed out after ${options.retry.timeoutMs} ms`, { cause: error });
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new RuntimeError(`connection failed (${detail})`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
