/**
 * The synthetic workloads: constant, diurnal, bursty, flash crowd and random walk, all putting their load
 * on one service (the entry). Their randomness is a hash of an episode key and the step, so any step can
 * be asked in any order and the same seed always gives the same load.
 *
 * @module
 */
import type { Random } from "../../core/random.ts";
import type { Workload } from "./workload.ts";

/** Options every synthetic workload shares. */
export interface SyntheticOptions {
  /** Number of services (length of the `out` array). */
  services: number;
  /** Index of the service the load enters at. */
  service: number;
  /** Base rate in req/s. */
  rate: number;
  /** Relative std of the multiplicative noise (0 = none). */
  noise: number;
}

/** A uniform number in [0,1) from a 32-bit key and an index (a stateless hash, splitmix-style). */
export function hashUniform(key: number, index: number): number {
  let z = (key ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x27d4eb2d) >>> 0;
  return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
}

/** A standard normal number from a key and an index (Box–Muller on two hashed uniforms). */
function hashNormal(key: number, index: number): number {
  const u = 1 - hashUniform(key, 2 * index), v = hashUniform(key, 2 * index + 1);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

abstract class SyntheticWorkload implements Workload {
  /** Episode key drawn at reset. */
  protected key = 0;
  constructor(protected readonly options: SyntheticOptions) {}

  reset(rng: Random): void {
    this.key = rng.nextUint32();
  }

  /** The noiseless multiplier of the base rate at `step`. */
  protected abstract factor(step: number): number;

  externalRates(step: number, out: Float64Array): void {
    const { rate, noise, service } = this.options;
    out.fill(0);
    let r = rate * this.factor(step);
    if (noise > 0) r *= Math.max(0, 1 + noise * hashNormal(this.key ^ 0x5bd1e995, step));
    out[service] = r;
  }
}

/** A constant rate (plus optional noise). */
export class ConstantWorkload extends SyntheticWorkload {
  /** Makes the workload. */
  constructor(options: SyntheticOptions) {
    super(options);
  }
  /** The load multiplier at `step` (1 = the base rate). */
  protected factor(): number {
    return 1;
  }
}

/** Options of {@linkcode DiurnalWorkload}. */
export interface DiurnalOptions extends SyntheticOptions {
  /** Relative amplitude (0–1). */
  amplitude: number;
  /** Period in steps. */
  periodSteps: number;
  /** Step of the peak. */
  peakStep: number;
}

/** `rate · (1 + amplitude · cos(2π (step − peakStep) / periodSteps))`, times noise. */
export class DiurnalWorkload extends SyntheticWorkload {
  /** Makes the workload. */
  constructor(private readonly diurnal: DiurnalOptions) {
    super(diurnal);
  }
  /** The load multiplier at `step` (1 = the base rate). */
  protected factor(step: number): number {
    const { amplitude, periodSteps, peakStep } = this.diurnal;
    return Math.max(0, 1 + amplitude * Math.cos((2 * Math.PI * (step - peakStep)) / periodSteps));
  }
}

/** Options of {@linkcode BurstyWorkload}. */
export interface BurstyOptions extends SyntheticOptions {
  /** Probability that a burst starts at a step. */
  burstProbability: number;
  /** Steps a burst lasts. */
  burstSteps: number;
  /** Load multiplier during a burst. */
  multiplier: number;
}

/** The base rate, times `multiplier` while one of the randomly started bursts lasts. */
export class BurstyWorkload extends SyntheticWorkload {
  /** Makes the workload. */
  constructor(private readonly bursty: BurstyOptions) {
    super(bursty);
  }
  /** True when a burst is going on at `step`. */
  inBurst(step: number): boolean {
    const { burstSteps, burstProbability } = this.bursty;
    for (let start = step; start > step - burstSteps && start >= 0; start--) {
      if (hashUniform(this.key, start) < burstProbability) return true;
    }
    return false;
  }
  /** The load multiplier at `step` (1 = the base rate). */
  protected factor(step: number): number {
    return this.inBurst(step) ? this.bursty.multiplier : 1;
  }
}

/** Options of {@linkcode FlashCrowdWorkload}. */
export interface FlashCrowdOptions extends SyntheticOptions {
  /** Load multiplier inside the window. */
  multiplier: number;
  /** First step of the window. */
  startStep: number;
  /** Steps of the window. */
  durationSteps: number;
  /** Steps of linear ramp inside both ends of the window. */
  rampSteps: number;
}

/** The base rate, times `multiplier` inside `[startStep, startStep + durationSteps)`. */
export class FlashCrowdWorkload extends SyntheticWorkload {
  /** Makes the workload. */
  constructor(private readonly flash: FlashCrowdOptions) {
    super(flash);
  }
  /** The load multiplier at `step` (1 = the base rate). */
  protected factor(step: number): number {
    const { startStep, durationSteps, rampSteps, multiplier } = this.flash;
    const k = step - startStep;
    if (k < 0 || k >= durationSteps) return 1;
    const ramp = Math.min(1, (k + 1) / (rampSteps + 1), (durationSteps - k) / (rampSteps + 1));
    return 1 + (multiplier - 1) * ramp;
  }
}

/** Options of {@linkcode RandomWalkWorkload}. */
export interface RandomWalkOptions extends SyntheticOptions {
  /** Std of the log-rate change per step. */
  volatility: number;
  /** Lower bound as a fraction of the base rate. */
  min: number;
  /** Upper bound as a fraction of the base rate. */
  max: number;
}

/**
 * A geometric random walk starting at the base rate: `log f(t+1) = log f(t) + volatility · N(0,1)`,
 * reflected into `[min, max]`. Sequential steps cost O(1); asking an earlier step replays from 0.
 */
export class RandomWalkWorkload extends SyntheticWorkload {
  #step = 0;
  #log = 0;
  /** Makes the workload. */
  constructor(private readonly walk: RandomWalkOptions) {
    super(walk);
  }
  /** Restarts the walk at the base rate. */
  override reset(rng: Random): void {
    super.reset(rng);
    this.#step = 0;
    this.#log = 0;
  }
  /** The load multiplier at `step` (1 = the base rate). */
  protected factor(step: number): number {
    const { volatility, min, max } = this.walk;
    const lo = Math.log(Math.max(min, 1e-9)), hi = Math.log(Math.max(max, min, 1e-9));
    if (step < this.#step) {
      this.#step = 0;
      this.#log = 0;
    }
    while (this.#step < step) {
      let x = this.#log + volatility * hashNormal(this.key, this.#step);
      if (x > hi) x = Math.max(lo, 2 * hi - x);
      if (x < lo) x = Math.min(hi, 2 * lo - x);
      this.#log = x;
      this.#step++;
    }
    return Math.exp(this.#log);
  }
}
