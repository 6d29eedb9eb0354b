// Evaluation of every policy of a scenario on the evaluation seeds: each learned variant trained (one
// run per training seed), the untrained start where asked, and the calibrated baselines.
import type { AttentionMaps } from "./models.ts";
import type { EnvSpec } from "./environment.ts";
import type { PluginRegistry } from "./registry.ts";
import { latencyMetricOf, summarizeEpisode, summarizeSeeds, SUMMARY_KEYS } from "./report.ts";
import type { EpisodeSummary, MeanInterval } from "./report.ts";
import { runPolicy } from "./_policy_run.ts";
import type { PolicyRunSpec } from "./_policy_run.ts";
import type { LoadedPipeline } from "./pipeline.ts";
import { _loadVariant } from "./_experiment_jobs.ts";
import type { TrainingJob } from "./_experiment_jobs.ts";
import { _loadScenario, _runBaseline } from "./_experiment_calibrate.ts";
import type { HpaCalibration, StaticCalibration } from "./_experiment_calibrate.ts";
import type { ExperimentSpec, ScenarioSpec } from "./_experiment_spec.ts";

/** One evaluation run of a policy over the evaluation seeds. */
export interface EvaluationRun {
  /** Root seed of the training run (learned policies); absent for baselines. */
  trainingSeed?: number;
  /** Checkpoint loaded, relative to the current directory. */
  checkpoint?: string;
  /** One summary per evaluation seed, in the order of `evalSeeds`. */
  episodes: EpisodeSummary[];
  /** The mean of `episodes`, column by column. */
  mean: EpisodeSummary;
}

/** One row of a scenario's results. */
export interface PolicyResult {
  /** Label in the report. */
  label: string;
  /** What it is. */
  kind: "trained" | "untrained" | "baseline";
  /** Policy plugin. */
  plugin: string;
  /** The learned variant's name (learned policies). */
  variant?: string;
  /** Settings in words (e.g. `target 0.5`). */
  settings: string;
  /** Evaluation seeds (the same for every policy). */
  evalSeeds: number[];
  /** One run per training seed (learned), or one run (baselines). */
  runs: EvaluationRun[];
  /** What the interval is over: the training seeds' means (learned) or the evaluation episodes (baselines). */
  intervalOver: "training seeds" | "evaluation seeds";
  /** Mean ± 95% t-interval of every column. */
  summary: Record<keyof EpisodeSummary, MeanInterval>;
}

/** Everything a scenario's evaluation produced. */
export interface ScenarioEvaluation {
  /** One row per policy: each variant trained (then untrained where asked), then hpa and static. */
  policies: PolicyResult[];
  /** Attention of the first variant's first trained run on the middle step of the first evaluation seed. */
  attention?: AttentionMaps;
  /** The environment's spec (node and service names for the charts). */
  envSpec: EnvSpec;
}

/** The column-wise mean of episode summaries. */
export function _meanSummary(episodes: readonly EpisodeSummary[]): EpisodeSummary {
  return Object.fromEntries(
    SUMMARY_KEYS.map((k) => [k, episodes.reduce((a, e) => a + e[k], 0) / episodes.length]),
  ) as unknown as EpisodeSummary;
}

async function _runOnEvalSeeds(
  loaded: LoadedPipeline,
  job: { run: PolicyRunSpec; spec: ExperimentSpec; log: (line: string) => void },
) {
  const { spec } = job;
  const result = await runPolicy(loaded, {
    run: job.run,
    settings: {
      seeds: spec.evalSeeds,
      episodeLength: spec.budget.evalEpisodeLength,
      deterministic: true,
      log: () => {},
    },
  });
  const latencyMetric = latencyMetricOf(result.records);
  const episodes = spec.evalSeeds.map((_, e) =>
    summarizeEpisode(result.records.filter((r) => r.episode === e), {
      stepSeconds: result.spec.stepSeconds,
      latencyMetric,
    })
  );
  job.log(`${job.run.label}: ${episodes.length} evaluation episodes`);
  return { episodes, result };
}

/** Options of {@linkcode _evaluateScenario}. */
export interface EvaluateScenarioOptions {
  /** Plugin registry. */
  registry: PluginRegistry;
  /** The experiment. */
  spec: ExperimentSpec;
  /** The scenario's training jobs (their run folders hold the checkpoints). */
  jobs: TrainingJob[];
  /** Calibrated baselines. */
  calibration: { hpa: HpaCalibration; static: StaticCalibration };
  /** Progress lines. */
  log: (line: string) => void;
}

/** Evaluates every policy of `scenario` on the evaluation seeds. */
export async function _evaluateScenario(
  scenario: ScenarioSpec,
  options: EvaluateScenarioOptions,
): Promise<ScenarioEvaluation> {
  const { spec, registry, log } = options;
  const policies: PolicyResult[] = [];
  let attention: AttentionMaps | undefined;
  let envSpec: EnvSpec | undefined;
  for (const variant of spec.learned) {
    const trained: EvaluationRun[] = [], untrained: EvaluationRun[] = [];
    let plugin = "";
    for (const job of options.jobs.filter((j) => j.variant.name === variant.name)) {
      const loaded = await _loadVariant(job, { registry, spec, seed: job.seed, runDir: job.runDir });
      const label = `${scenario.name}/${variant.name}/seed-${job.seed}`;
      plugin = loaded.config.policy.plugin;
      const first = variant === spec.learned[0] && trained.length === 0;
      const t = await _runOnEvalSeeds(loaded, {
        run: { label, ref: loaded.config.policy, latestOf: job.runDir, explain: first },
        spec,
        log,
      });
      if (!t.result.checkpoint) throw new Error(`experiment: ${job.id} has no checkpoint after training`);
      if (first) attention = t.result.attention;
      envSpec ??= t.result.spec;
      trained.push({
        trainingSeed: job.seed,
        checkpoint: t.result.checkpoint,
        episodes: t.episodes,
        mean: _meanSummary(t.episodes),
      });
      if (variant.untrained) {
        const u = await _runOnEvalSeeds(loaded, {
          run: { label: `${label} (untrained)`, ref: loaded.config.policy, explain: false },
          spec,
          log,
        });
        untrained.push({ trainingSeed: job.seed, episodes: u.episodes, mean: _meanSummary(u.episodes) });
      }
    }
    const learned = (kind: "trained" | "untrained", runs: EvaluationRun[]): PolicyResult => ({
      label: kind === "trained"
        ? variant.label
        : `${variant.label.replace(/\s*\(trained\)$/, "")} (untrained)`,
      kind,
      plugin,
      variant: variant.name,
      settings: kind === "trained"
        ? `${spec.budget.episodes} episodes × ${spec.budget.envs} copies × ${spec.budget.episodeLength} steps`
        : "initial weights of each training seed",
      evalSeeds: [...spec.evalSeeds],
      runs,
      intervalOver: "training seeds",
      summary: summarizeSeeds(runs.map((r) => r.mean)),
    });
    policies.push(learned("trained", trained));
    if (variant.untrained) policies.push(learned("untrained", untrained));
  }
  const loaded = await _loadScenario(scenario, { registry });
  const baselines = [
    {
      label: `hpa (calibrated, target ${options.calibration.hpa.target})`,
      plugin: "hpa",
      options: { target: options.calibration.hpa.target },
      settings: `target ${options.calibration.hpa.target}`,
    },
    {
      label: `static (${options.calibration.static.replicas} per service)`,
      plugin: "static",
      options: { replicas: options.calibration.static.replicas },
      settings: `${options.calibration.static.replicas} replicas per service`,
    },
  ];
  for (const b of baselines) {
    const { episodes } = await _runBaseline(loaded, {
      policy: b.plugin,
      options: b.options,
      seeds: spec.evalSeeds,
      episodeLength: spec.budget.evalEpisodeLength,
    });
    log(`${scenario.name}/${b.plugin}: ${episodes.length} evaluation episodes`);
    policies.push({
      label: b.label,
      kind: "baseline",
      plugin: b.plugin,
      settings: b.settings,
      evalSeeds: [...spec.evalSeeds],
      runs: [{ episodes, mean: _meanSummary(episodes) }],
      intervalOver: "evaluation seeds",
      summary: summarizeSeeds(episodes),
    });
  }
  return { policies, attention, envSpec: envSpec! };
}
