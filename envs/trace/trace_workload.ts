/**
 * A simulator workload that replays a trace's external request rates. Control step `k` of an episode
 * covers trace time `[t₀ + k·Δ, t₀ + (k+1)·Δ)` with `Δ = stepSeconds · speedUp` seconds, and its rate
 * is the trace's mean rate over that interval (the per-bucket rates integrated exactly, so a step may
 * span several buckets or part of one). The episode start `t₀` is `startOffsetMs` after the trace's
 * first bucket, plus, with `randomStart`, a seeded uniform offset so that episodes are different windows
 * of the trace. Past the end the trace starts over.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";
import type { Random } from "../../core/random.ts";
import type { Workload } from "../simulator/mod.ts";

/** The rates a {@linkcode TraceWorkload} replays (a subset of `TraceData`). */
export interface TraceRates {
  /** Service names `[S]`. */
  services: string[];
  /** Requests per second entering the cluster at each service `[T,S]`. */
  external: Float64Array;
  /** Number of buckets `T`. */
  buckets: number;
  /** Bucket width in ms. */
  bucketMs: number;
}

/** Options of {@linkcode TraceWorkload}. */
export interface TraceWorkloadOptions {
  /** Seconds of simulated time per control step. */
  stepSeconds: number;
  /** Trace seconds replayed per simulated second (default 1). */
  speedUp?: number;
  /** Trace time skipped before the first episode start, in ms (default 0). */
  startOffsetMs?: number;
  /** Steps per episode (used to keep a random start inside the trace). */
  episodeLength: number;
  /** Draw each episode's start uniformly in the trace (default true); false starts at the offset. */
  randomStart?: boolean;
  /** Multiplies every rate (default 1). */
  rateScale?: number;
}

/** Replays a trace's external rates (see the module doc). */
export class TraceWorkload implements Workload {
  readonly #s: number;
  readonly #rates: TraceRates;
  readonly #cum: Float64Array;
  readonly #totalMs: number;
  readonly #stepMs: number;
  readonly #scale: number;
  readonly #offset: number;
  readonly #random: boolean;
  readonly #episodeMs: number;
  readonly #a: Float64Array;
  readonly #b: Float64Array;
  #start = 0;

  /** Makes the workload; bad options are {@linkcode InputError}s naming the option. */
  constructor(rates: TraceRates, options: TraceWorkloadOptions) {
    const s = this.#s = rates.services.length;
    if (rates.buckets < 1) {
      throw new InputError("trace: the trace has no rates to replay (no bucket with traffic)");
    }
    const speedUp = options.speedUp ?? 1;
    if (!(speedUp > 0) || !Number.isFinite(speedUp)) {
      throw new InputError(`trace: options.speedUp must be > 0`);
    }
    const scale = options.rateScale ?? 1;
    if (!(scale >= 0) || !Number.isFinite(scale)) {
      throw new InputError(`trace: options.rateScale must be >= 0`);
    }
    this.#rates = rates;
    this.#totalMs = rates.buckets * rates.bucketMs;
    this.#offset = options.startOffsetMs ?? 0;
    if (!(this.#offset >= 0 && this.#offset < this.#totalMs)) {
      throw new InputError(
        `trace: options.startOffsetMs must be in [0, ${this.#totalMs}) (the trace spans ${this.#totalMs} ms)`,
      );
    }
    this.#stepMs = options.stepSeconds * 1000 * speedUp;
    this.#scale = scale;
    this.#random = options.randomStart ?? true;
    this.#episodeMs = options.episodeLength * this.#stepMs;
    // cum[k·S + j] = ∫ rate_j over the first k buckets, in requests·ms/s
    const cum = this.#cum = new Float64Array((rates.buckets + 1) * s);
    for (let k = 0; k < rates.buckets; k++) {
      for (let j = 0; j < s; j++) {
        cum[(k + 1) * s + j] = cum[k * s + j] + rates.external[k * s + j] * rates.bucketMs;
      }
    }
    this.#a = new Float64Array(s);
    this.#b = new Float64Array(s);
    this.#start = this.#offset;
  }

  /** Trace time (ms after the first bucket's start) at which the current episode starts. */
  get episodeStartMs(): number {
    return this.#start;
  }

  /** Starts an episode: picks its start in the trace (seeded by `rng` when `randomStart`). */
  reset(rng: Random): void {
    const room = this.#totalMs - this.#offset - this.#episodeMs;
    this.#start = this.#offset + (this.#random && room > 0 ? Math.floor(rng.next() * room) : 0);
  }

  /** Fills `out[S]` with the mean external rate of step `step`, times `rateScale`. */
  externalRates(step: number, out: Float64Array): void {
    const t0 = this.#start + step * this.#stepMs;
    this.#integral(t0, this.#a);
    this.#integral(t0 + this.#stepMs, this.#b);
    const k = this.#scale / this.#stepMs;
    for (let j = 0; j < this.#s; j++) out[j] = Math.max(0, (this.#b[j] - this.#a[j]) * k);
  }

  /** ∫₀ᵗ rate dt per service (trace repeated after its end). */
  #integral(t: number, out: Float64Array): void {
    const s = this.#s, bucketMs = this.#rates.bucketMs, buckets = this.#rates.buckets;
    const loops = Math.floor(t / this.#totalMs);
    const rest = t - loops * this.#totalMs;
    const k = Math.min(buckets - 1, Math.floor(rest / bucketMs));
    const frac = rest - k * bucketMs;
    const cum = this.#cum, ext = this.#rates.external;
    for (let j = 0; j < s; j++) {
      out[j] = loops * cum[buckets * s + j] + cum[k * s + j] + ext[k * s + j] * frac;
    }
  }
}
