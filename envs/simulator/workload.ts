/**
 * Workloads: the external load entering the cluster, per service and control step. The simulator takes
 * either a {@linkcode WorkloadSpec} (what the plugin options hold) or any object implementing
 * {@linkcode Workload} — that is how the trace-replay environment drives the simulator's model with
 * recorded traffic.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { InputError } from "../../core/errors.ts";
import type { Random } from "../../core/random.ts";
import { loadCsvWorkload } from "./csv_workload.ts";
import {
  BurstyWorkload,
  ConstantWorkload,
  DiurnalWorkload,
  FlashCrowdWorkload,
  RandomWalkWorkload,
} from "./synthetic_workloads.ts";
import type { Topology } from "./topology.ts";

/**
 * A source of external load. The simulator calls `reset` at every episode start with a random stream
 * derived from the episode seed, then `externalRates(step, out)` once per control step (`step` counts
 * from 0 and increases by one; implementations may also support random access). `out` has one entry per
 * service (the topology's service order) and receives the requests per second entering the cluster at
 * that service; the simulator splits it over the edge nodes.
 */
export interface Workload {
  /** Starts a new episode; draw every random number from `rng` so that the seed fixes the load. */
  reset(rng: Random): void;
  /** Fills `out[S]` with the external req/s per service at control step `step`; must not keep `out`. */
  externalRates(step: number, out: Float64Array): void;
}

/** The kinds of built-in workload. */
export const WORKLOAD_TYPES = ["constant", "diurnal", "bursty", "flash-crowd", "random-walk", "csv"] as const;

/** One of {@linkcode WORKLOAD_TYPES}. */
export type WorkloadType = typeof WORKLOAD_TYPES[number];

/**
 * A built-in workload as the plugin options describe it. Rates are req/s of external load in total (over
 * all edge nodes); `rate` defaults to the topology's `nominalLoad` (else 100).
 *
 * - `constant`: `rate` (× noise).
 * - `diurnal`: `rate · (1 + amplitude · cos(2π (step − peakStep) / periodSteps))` × noise: the peak is at
 *   `peakStep`, the trough half a period later.
 * - `bursty`: `rate`, times `multiplier` while a burst lasts; a burst of `burstSteps` steps starts at
 *   each step with probability `burstProbability`.
 * - `flash-crowd`: `rate`, times `multiplier` during `[startStep, startStep + durationSteps)` (with an
 *   optional linear ramp of `rampSteps` at both ends of the window).
 * - `random-walk`: a geometric random walk from `rate`, log-step std `volatility`, kept within
 *   `[min·rate, max·rate]`.
 * - `csv`: per-service rates from a `timestamp,service,rate` file (see {@linkcode loadCsvWorkload}).
 *
 * Noise is multiplicative: `× max(0, 1 + noise · N(0,1))`, seeded.
 */
export interface WorkloadSpec {
  /** Which workload. */
  type: WorkloadType;
  /** Base rate in req/s (default: the topology's `nominalLoad`, else 100). */
  rate?: number;
  /** The service the load enters at (default: the topology's entry). */
  service?: string;
  /** Relative std of the multiplicative noise (default 0.05 for diurnal, else 0). */
  noise?: number;
  /** Diurnal: relative amplitude, 0–1 (default 0.5). */
  amplitude?: number;
  /** Diurnal: period in control steps (default 96). */
  periodSteps?: number;
  /** Diurnal: step of the peak (default a quarter period). */
  peakStep?: number;
  /** Bursty: probability that a burst starts at a step (default 0.05). */
  burstProbability?: number;
  /** Bursty: steps a burst lasts (default 5). */
  burstSteps?: number;
  /** Bursty and flash crowd: load multiplier (default 3 for bursty, 5 for a flash crowd). */
  multiplier?: number;
  /** Flash crowd: first step of the crowd (default 20). */
  startStep?: number;
  /** Flash crowd: steps the crowd lasts (default 10). */
  durationSteps?: number;
  /** Flash crowd: steps of linear ramp inside both ends of the window (default 0). */
  rampSteps?: number;
  /** Random walk: std of the log-rate change per step (default 0.1). */
  volatility?: number;
  /** Random walk: lower bound as a fraction of `rate` (default 0.2). */
  min?: number;
  /** Random walk: upper bound as a fraction of `rate` (default 3). */
  max?: number;
  /** CSV: the file (relative paths resolve against the pipeline's folder). */
  path?: string;
  /** CSV: multiplies every rate of the file (default 1). */
  scale?: number;
  /** CSV: start over after the last timestamp (default true), else hold the last rates. */
  loop?: boolean;
}

/** What {@linkcode createWorkload} needs besides the spec. */
export interface WorkloadContext {
  /** The topology (service names, entry, nominal load). */
  topology: Topology;
  /** Seconds per control step (maps CSV timestamps to steps). */
  stepSeconds: number;
  /** Folder relative CSV paths resolve against. */
  baseDir: string;
}

/** Makes a built-in workload from its spec; bad values are {@linkcode InputError}s naming `workload.<field>`. */
export async function createWorkload(spec: WorkloadSpec, context: WorkloadContext): Promise<Workload> {
  const { topology } = context;
  const services = topology.services.length;
  if (spec.type === "csv") {
    if (!spec.path) throw new InputError(`workload.path is required for a csv workload`);
    const path = isAbsolute(spec.path) ? spec.path : resolve(context.baseDir, spec.path);
    return await loadCsvWorkload(path, {
      services: topology.services,
      stepSeconds: context.stepSeconds,
      scale: spec.scale ?? 1,
      loop: spec.loop ?? true,
    });
  }
  const target = spec.service === undefined ? topology.entry : topology.services.indexOf(spec.service);
  if (target < 0) {
    throw new InputError(
      `workload.service: "${spec.service}" is not a service (known: ${topology.services.join(", ")})`,
    );
  }
  const rate = spec.rate ?? topology.spec.nominalLoad ?? 100;
  const base = { services, service: target, rate, noise: spec.noise ?? (spec.type === "diurnal" ? 0.05 : 0) };
  const positive = (name: keyof WorkloadSpec, value: number, min = 0) => {
    if (!(value >= min) || !Number.isFinite(value)) {
      throw new InputError(`workload.${name} must be a finite number ≥ ${min} (got ${value})`);
    }
    return value;
  };
  positive("rate", rate);
  positive("noise", base.noise);
  switch (spec.type) {
    case "constant":
      return new ConstantWorkload(base);
    case "diurnal": {
      const periodSteps = positive("periodSteps", spec.periodSteps ?? 96, 1);
      return new DiurnalWorkload({
        ...base,
        amplitude: positive("amplitude", spec.amplitude ?? 0.5),
        periodSteps,
        peakStep: spec.peakStep ?? periodSteps / 4,
      });
    }
    case "bursty":
      return new BurstyWorkload({
        ...base,
        burstProbability: positive("burstProbability", spec.burstProbability ?? 0.05),
        burstSteps: Math.round(positive("burstSteps", spec.burstSteps ?? 5, 1)),
        multiplier: positive("multiplier", spec.multiplier ?? 3),
      });
    case "flash-crowd":
      return new FlashCrowdWorkload({
        ...base,
        multiplier: positive("multiplier", spec.multiplier ?? 5),
        startStep: positive("startStep", spec.startStep ?? 20),
        durationSteps: positive("durationSteps", spec.durationSteps ?? 10, 1),
        rampSteps: positive("rampSteps", spec.rampSteps ?? 0),
      });
    case "random-walk":
      return new RandomWalkWorkload({
        ...base,
        volatility: positive("volatility", spec.volatility ?? 0.1),
        min: positive("min", spec.min ?? 0.2),
        max: positive("max", spec.max ?? 3),
      });
    default:
      throw new InputError(
        `workload.type: "${spec.type}" is not a workload (known: ${WORKLOAD_TYPES.join(", ")})`,
      );
  }
}
