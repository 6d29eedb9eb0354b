/**
 * Counts the traffic of cleaned traces: requests each service served, calls per (caller, callee),
 * external requests per entry service, and both per time bucket. Counts per bucket are sparse (only
 * the services seen in a bucket take memory), so a long trace with many services stays affordable.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";
import { _bucketSpan, _checkBucketMs } from "./_buckets.ts";
import type { CleanTrace } from "./trace_cleaner.ts";

/** Options of {@linkcode TrafficCounter}. */
export interface TrafficCounterOptions {
  /** Width of a time bucket in ms (> 0). */
  bucketMs: number;
}

/** Dense per-bucket rates of chosen services (see {@linkcode TrafficCounter.rates}). */
export interface BucketRates {
  /** Requests per second entering the cluster at each service, `[T,S]` row-major. */
  external: Float64Array;
  /** Requests per second each service served (entry and internal calls), `[T,S]` row-major. */
  arrivals: Float64Array;
}

/** Accumulates the traffic of cleaned traces. */
export class TrafficCounter {
  /** Width of a time bucket in ms. */
  readonly bucketMs: number;
  /** Service names in order of first appearance. */
  readonly services: string[] = [];
  /** Requests served per service (index of {@linkcode services}). */
  readonly served: number[] = [];
  /** External requests per entry service. */
  readonly external: number[] = [];
  /** Sum and count of known response times per service (caller-side rt of the calls into it). */
  readonly rtSum: number[] = [];
  /** Number of calls with a known response time per service. */
  readonly rtCount: number[] = [];
  /** Calls per (caller, callee) pair, keyed `caller * 2^21 + callee`. */
  readonly calls: Map<number, number> = new Map();
  /** Requests counted (entry calls), i.e. cleaned traces added. */
  requests: number = 0;
  #index = new Map<string, number>();
  #entryBuckets = new Map<number, Map<number, number>>();
  #arrivalBuckets = new Map<number, Map<number, number>>();

  /** Makes an empty counter. */
  constructor(options: TrafficCounterOptions) {
    this.bucketMs = _checkBucketMs(options.bucketMs);
  }

  /** The index of a service, added when new. */
  serviceIndex(name: string): number {
    let i = this.#index.get(name);
    if (i === undefined) {
      i = this.services.length;
      if (i >= 1 << 21) throw new InputError("more than 2^21 distinct services in the trace");
      this.#index.set(name, i);
      this.services.push(name);
      this.served.push(0);
      this.external.push(0);
      this.rtSum.push(0);
      this.rtCount.push(0);
    }
    return i;
  }

  /** Adds one cleaned trace. */
  add(trace: CleanTrace): void {
    this.requests++;
    const entry = this.serviceIndex(trace.entry.callee);
    this.external[entry]++;
    bump(this.#entryBuckets, Math.floor(trace.entry.timestamp / this.bucketMs), entry);
    this.#serve(entry, trace.entry.rt, trace.entry.timestamp);
    for (const call of trace.calls) {
      const caller = this.serviceIndex(call.caller);
      const callee = this.serviceIndex(call.callee);
      const key = caller * 2097152 + callee;
      this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
      this.#serve(callee, call.rt, call.timestamp);
    }
  }

  #serve(service: number, rt: number, timestamp: number): void {
    this.served[service]++;
    if (Number.isFinite(rt)) {
      this.rtSum[service] += rt;
      this.rtCount[service]++;
    }
    bump(this.#arrivalBuckets, Math.floor(timestamp / this.bucketMs), service);
  }

  /** The first and last bucket index with traffic (`[0, -1]` when empty). */
  bucketRange(): [number, number] {
    const [first, count] = _bucketSpan(this.#arrivalBuckets.keys());
    return [first, first + count - 1];
  }

  /**
   * Dense rates (requests per second) of `services` (names; unknown names get zeros) over `buckets`
   * buckets starting at bucket index `firstBucket` (bucket `b` covers `[b·bucketMs, (b+1)·bucketMs)`).
   */
  rates(services: readonly string[], window: { firstBucket: number; buckets: number }): BucketRates {
    const s = services.length, t = window.buckets;
    const external = new Float64Array(t * s), arrivals = new Float64Array(t * s);
    const column = new Map<number, number>();
    services.forEach((name, j) => {
      const i = this.#index.get(name);
      if (i !== undefined) column.set(i, j);
    });
    const perSecond = 1000 / this.bucketMs;
    const fill = (buckets: Map<number, Map<number, number>>, out: Float64Array) => {
      for (const [b, counts] of buckets) {
        const row = b - window.firstBucket;
        if (row < 0 || row >= t) continue;
        for (const [i, n] of counts) {
          const j = column.get(i);
          if (j !== undefined) out[row * s + j] = n * perSecond;
        }
      }
    };
    fill(this.#entryBuckets, external);
    fill(this.#arrivalBuckets, arrivals);
    return { external, arrivals };
  }
}

function bump(buckets: Map<number, Map<number, number>>, bucket: number, service: number): void {
  let counts = buckets.get(bucket);
  if (counts === undefined) {
    counts = new Map();
    buckets.set(bucket, counts);
  }
  counts.set(service, (counts.get(service) ?? 0) + 1);
}
