// Calibration of the baselines on the training seeds: the HPA's CPU target and the static replica count.
import type { LoadedPipeline } from "./pipeline.ts";
import type { PluginRegistry } from "./registry.ts";
import { latencyMetricOf, summarizeEpisode } from "./report.ts";
import type { EpisodeSummary } from "./report.ts";
import { runPolicy } from "./_policy_run.ts";
import { _resolveIn, _scenarioData } from "./_experiment_jobs.ts";
import type { ExperimentSpec, ScenarioSpec } from "./_experiment_spec.ts";

/** One baseline setting tried during calibration, with its per-seed episodes and their means. */
export interface CalibrationCandidate {
  /** The HPA target or the static replica count. */
  value: number;
  /** One summary per training seed, in seed order. */
  episodes: EpisodeSummary[];
  /** Mean SLO violation rate over the seeds. */
  sloViolationRate: number;
  /** Mean replica-hours over the seeds. */
  replicaHours: number;
  /** Mean reward over the seeds. */
  meanReward: number;
}

/** The HPA calibration: every target tried, the rule and its choice. */
export interface HpaCalibration {
  /** Seeds the targets were tried on (the training seeds). */
  seeds: number[];
  /** Violation rates within this of the lowest count as equal. */
  tolerance: number;
  /** Every target tried, in the order given. */
  candidates: CalibrationCandidate[];
  /** The chosen target. */
  target: number;
}

/** The static calibration: the mean load, every count tried, the threshold and its choice. */
export interface StaticCalibration {
  /** Seeds the counts were tried on (the training seeds). */
  seeds: number[];
  /** Mean external load (req/s) of the scenario's workload over the training seeds. */
  meanLoad: number;
  /** The SLO violation rate a count must not exceed. */
  threshold: number;
  /** Counts tried, from 1 up to the first that meets the threshold. */
  candidates: CalibrationCandidate[];
  /** The chosen count. */
  replicas: number;
  /** Whether the chosen count met the threshold (else it is the count with the fewest violations). */
  met: boolean;
}

/**
 * The HPA rule: the lowest mean violation rate v* over the candidates; every target with v ≤ v* +
 * tolerance counts as tied; among those, the fewest replica-hours; then the higher target.
 */
export function chooseHpaTarget(
  candidates: readonly Pick<CalibrationCandidate, "value" | "sloViolationRate" | "replicaHours">[],
  tolerance: number,
): number {
  const best = Math.min(...candidates.map((c) => c.sloViolationRate));
  const tied = candidates.filter((c) => c.sloViolationRate <= best + tolerance);
  tied.sort((a, b) => a.replicaHours - b.replicaHours || b.value - a.value);
  return tied[0].value;
}

/**
 * The static rule: the smallest count whose mean violation rate at the mean load is ≤ threshold; when
 * none is, the count with the fewest violations (then the smaller count).
 */
export function chooseStaticReplicas(
  candidates: readonly Pick<CalibrationCandidate, "value" | "sloViolationRate">[],
  threshold: number,
): { replicas: number; met: boolean } {
  const meeting = candidates.filter((c) => c.sloViolationRate <= threshold).sort((a, b) => a.value - b.value);
  if (meeting.length > 0) return { replicas: meeting[0].value, met: true };
  const sorted = [...candidates].sort((a, b) => a.sloViolationRate - b.sloViolationRate || a.value - b.value);
  return { replicas: sorted[0].value, met: false };
}

/** Options of the calibration functions. */
export interface CalibrateOptions {
  /** Plugin registry. */
  registry: PluginRegistry;
  /** The experiment. */
  spec: ExperimentSpec;
  /** Progress lines. */
  log: (line: string) => void;
}

/** A rule-based policy of the scenario run on `seeds`: one summary per seed, and the mean external load. */
export async function _runBaseline(
  loaded: LoadedPipeline,
  job: { policy: string; options: Record<string, unknown>; seeds: number[]; episodeLength: number },
): Promise<{ episodes: EpisodeSummary[]; meanLoad: number }> {
  const result = await runPolicy(loaded, {
    run: { label: job.policy, ref: { plugin: job.policy, options: job.options }, explain: false },
    settings: { seeds: job.seeds, episodeLength: job.episodeLength, deterministic: true, log: () => {} },
  });
  const latencyMetric = latencyMetricOf(result.records);
  const episodes = job.seeds.map((_, e) =>
    summarizeEpisode(result.records.filter((r) => r.episode === e), {
      stepSeconds: result.spec.stepSeconds,
      latencyMetric,
    })
  );
  const loads = result.records.map((r) => r.metrics.load);
  return { episodes, meanLoad: loads.reduce((a, b) => a + b, 0) / loads.length };
}

/** The scenario's pipeline with a rule-based policy as its own (baselines run through it). */
export async function _loadScenario(
  scenario: ScenarioSpec,
  options: { registry: PluginRegistry; workload?: Record<string, unknown> },
): Promise<LoadedPipeline> {
  const data = await _scenarioData(scenario);
  data.name = `${scenario.name}-baseline`;
  data.policy = { plugin: "static", options: {} };
  delete data.encoder;
  delete data.filter;
  data.eval = { compare: ["hpa", "static"] }; // so both plugins resolve with the pipeline
  if (options.workload) {
    const env = data.env as { options?: Record<string, unknown> };
    env.options = { ...(env.options ?? {}), workload: options.workload };
  }
  return await _resolveIn(data, {
    registry: options.registry,
    file: scenario.pipeline,
    what: String(data.name),
  });
}

function _candidate(value: number, episodes: EpisodeSummary[]): CalibrationCandidate {
  const mean = (k: keyof EpisodeSummary) => episodes.reduce((a, e) => a + e[k], 0) / episodes.length;
  return {
    value,
    episodes,
    sloViolationRate: mean("sloViolationRate"),
    replicaHours: mean("replicaHours"),
    meanReward: mean("meanReward"),
  };
}

/** Tries every HPA target on the training seeds and applies {@linkcode chooseHpaTarget}. */
export async function _calibrateHpa(
  scenario: ScenarioSpec,
  options: CalibrateOptions,
): Promise<HpaCalibration> {
  const { spec } = options;
  const loaded = await _loadScenario(scenario, options);
  const candidates: CalibrationCandidate[] = [];
  for (const target of spec.calibration.hpaTargets) {
    const { episodes } = await _runBaseline(loaded, {
      policy: "hpa",
      options: { target },
      seeds: spec.trainSeeds,
      episodeLength: spec.budget.evalEpisodeLength,
    });
    candidates.push(_candidate(target, episodes));
  }
  const target = chooseHpaTarget(candidates, spec.calibration.violationTolerance);
  options.log(`${scenario.name}: calibrated hpa target ${target}`);
  return { seeds: [...spec.trainSeeds], tolerance: spec.calibration.violationTolerance, candidates, target };
}

/**
 * Measures the scenario's mean load on the training seeds, then tries 1, 2, … static replicas under a
 * constant workload at that rate until one meets the threshold ({@linkcode chooseStaticReplicas}).
 */
export async function _calibrateStatic(
  scenario: ScenarioSpec,
  options: CalibrateOptions,
): Promise<StaticCalibration> {
  const { spec } = options;
  const seeds = spec.trainSeeds, episodeLength = spec.budget.evalEpisodeLength;
  const own = await _loadScenario(scenario, options);
  const { meanLoad } = await _runBaseline(own, { policy: "static", options: {}, seeds, episodeLength });
  const workload = (own.config.env.options.workload ?? {}) as Record<string, unknown>;
  const constant: Record<string, unknown> = { type: "constant", rate: meanLoad };
  if (typeof workload.service === "string") constant.service = workload.service;
  const loaded = await _loadScenario(scenario, { ...options, workload: constant });
  const threshold = scenario.staticMaxViolationRate ?? spec.calibration.staticMaxViolationRate;
  const candidates: CalibrationCandidate[] = [];
  for (let replicas = 1; replicas <= spec.calibration.staticMaxReplicas; replicas++) {
    const { episodes } = await _runBaseline(loaded, {
      policy: "static",
      options: { replicas },
      seeds,
      episodeLength,
    });
    candidates.push(_candidate(replicas, episodes));
    if (candidates[candidates.length - 1].sloViolationRate <= threshold) break;
  }
  const { replicas, met } = chooseStaticReplicas(candidates, threshold);
  options.log(`${scenario.name}: mean load ${meanLoad.toFixed(1)} req/s, static replicas ${replicas}`);
  return { seeds: [...seeds], meanLoad, threshold, candidates, replicas, met };
}
