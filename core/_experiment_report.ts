// The experiment's report: learning curves, attention heatmaps, verdicts and report.md.
import { heatmap, lineChart } from "./charts.ts";
import type { LinePoint } from "./charts.ts";
import type { EnvSpec } from "./environment.ts";
import type { AttentionMaps } from "./models.ts";
import { formatInterval, REPORT_COLUMNS } from "./report.ts";
import type { EpisodeSummary } from "./report.ts";
import type { HpaCalibration, StaticCalibration } from "./_experiment_calibrate.ts";
import type { PolicyResult } from "./_experiment_evaluate.ts";
import type { ExperimentSpec } from "./_experiment_spec.ts";

/** A learned variant's learning curve: mean over training seeds per episode, smoothed. */
export interface LearningCurve {
  /** Variant label. */
  label: string;
  /** Environment steps after each episode. */
  steps: number[];
  /** Smoothed mean reward per node and step. */
  reward: number[];
  /** Smoothed mean SLO violation rate. */
  sloViolationRate: number[];
}

/** The mean over runs of a metric per episode (episodes every run has), then a trailing moving average. */
export function _curve(
  runs: Record<string, number>[][],
  options: { metric: string; window: number },
): number[] {
  const n = Math.min(...runs.map((r) => r.length));
  const mean = Array.from(
    { length: n },
    (_, i) => runs.reduce((a, r) => a + r[i][options.metric], 0) / runs.length,
  );
  return mean.map((_, i) => {
    const from = Math.max(0, i - options.window + 1);
    const slice = mean.slice(from, i + 1);
    return slice.reduce((a, b) => a + b, 0) / slice.length;
  });
}

/** Verdicts of the first trained variant (CMA) against the other rows. */
export interface Verdicts {
  /** Higher mean reward than its untrained start. */
  beatsUntrainedOnReward?: boolean;
  /** Higher mean reward than calibrated static. */
  beatsStaticOnReward: boolean;
  /** Higher mean reward than calibrated hpa. */
  beatsHpaOnReward: boolean;
  /** Lower mean SLO violation rate than calibrated hpa. */
  fewerViolationsThanHpa: boolean;
  /** At most calibrated hpa's mean replica-hours. */
  noMoreReplicaHoursThanHpa: boolean;
  /** Higher mean reward than the second trained variant (the ablation). */
  beatsAblationOnReward?: boolean;
}

/** Compares the first trained row with the others by their means. */
export function _verdicts(policies: readonly PolicyResult[]): Verdicts {
  const trained = policies.filter((p) => p.kind === "trained");
  const cma = trained[0];
  const untrained = policies.find((p) => p.kind === "untrained" && p.variant === cma.variant);
  const hpa = policies.find((p) => p.plugin === "hpa")!;
  const stat = policies.find((p) => p.plugin === "static")!;
  const m = (p: PolicyResult, k: keyof EpisodeSummary) => p.summary[k].mean;
  return {
    beatsUntrainedOnReward: untrained ? m(cma, "meanReward") > m(untrained, "meanReward") : undefined,
    beatsStaticOnReward: m(cma, "meanReward") > m(stat, "meanReward"),
    beatsHpaOnReward: m(cma, "meanReward") > m(hpa, "meanReward"),
    fewerViolationsThanHpa: m(cma, "sloViolationRate") < m(hpa, "sloViolationRate"),
    noMoreReplicaHoursThanHpa: m(cma, "replicaHours") <= m(hpa, "replicaHours"),
    beatsAblationOnReward: trained[1] ? m(cma, "meanReward") > m(trained[1], "meanReward") : undefined,
  };
}

/** Learning-curve charts of one scenario: reward and SLO violation rate against training steps. */
export async function _curveCharts(
  curves: readonly LearningCurve[],
  options: { scenario: string; hpaReference?: { reward: number; sloViolationRate: number } },
): Promise<{ file: string; title: string; svg: string }[]> {
  const charts = [];
  for (const metric of ["reward", "sloViolationRate"] as const) {
    const points: LinePoint[] = curves.flatMap((c) =>
      c.steps.map((x, i) => ({ x, y: c[metric][i], series: c.label }))
    );
    if (options.hpaReference && curves.length > 0) {
      const xs = curves[0].steps;
      for (const x of [xs[0], xs[xs.length - 1]]) {
        points.push({ x, y: options.hpaReference[metric], series: "calibrated hpa (training seeds)" });
      }
    }
    const what = metric === "reward" ? "reward" : "SLO violation rate";
    const title = `${options.scenario}: training ${what} (mean over seeds)`;
    const svg = await lineChart(points, {
      title,
      xTitle: "training steps (environment steps, all copies)",
      yTitle: metric === "reward" ? "mean reward per node and step" : "SLO violation rate",
    });
    charts.push({ file: `${options.scenario}_curve_${metric}.svg`, title, svg });
  }
  return charts;
}

/** Attention heatmaps (dependency attention averaged over nodes, information attention between nodes). */
export async function _attentionCharts(
  maps: AttentionMaps,
  options: { scenario: string; envSpec: EnvSpec },
): Promise<{ file: string; title: string; svg: string }[]> {
  const { envSpec, scenario } = options;
  const A = envSpec.nodes.length, S = envSpec.services.length;
  const nodes = envSpec.nodes.map((n) => n.id);
  const charts = [];
  if (maps.dependency && maps.dependency.length === A * S * S) {
    const mean = new Float32Array(S * S);
    for (let a = 0; a < A; a++) for (let i = 0; i < S * S; i++) mean[i] += maps.dependency[a * S * S + i] / A;
    const title = `${scenario}: dependency attention of trained CMA (mean over nodes)`;
    const svg = await heatmap({ rows: envSpec.services, columns: envSpec.services, values: mean }, {
      title,
      xTitle: "attended service",
      yTitle: "service",
    });
    charts.push({ file: `${scenario}_attention_dependency.svg`, title, svg });
  }
  if (maps.information && maps.information.length === A * A) {
    const title = `${scenario}: information attention of trained CMA`;
    const svg = await heatmap({ rows: nodes, columns: nodes, values: maps.information }, {
      title,
      xTitle: "attended node",
      yTitle: "node",
    });
    charts.push({ file: `${scenario}_attention_information.svg`, title, svg });
  }
  return charts;
}

/** What one scenario contributes to the report. */
export interface ScenarioReport {
  /** Scenario name. */
  name: string;
  /** Free text. */
  description?: string;
  /** Base pipeline, relative to the current directory. */
  pipeline: string;
  /** Overrides merged into it. */
  overrides: Record<string, unknown>;
  /** Baseline calibration. */
  calibration: { hpa: HpaCalibration; static: StaticCalibration };
  /** Result rows. */
  policies: PolicyResult[];
  /** Verdicts of trained CMA. */
  verdicts: Verdicts;
  /** Learning curves per learned variant. */
  curves: LearningCurve[];
  /** Wall seconds of each training run, by job id. */
  trainingSeconds: Record<string, number>;
  /** Chart files (relative to the report folder). */
  charts: { file: string; title: string }[];
}

const COLUMNS: (keyof EpisodeSummary)[] = [
  "sloViolationRate",
  "p95LatencyMs",
  "replicaHours",
  "meanReward",
  "latencyMs",
  "droppedRequests",
];

const yes = (b: boolean | undefined) => b === undefined ? "n/a" : b ? "**yes**" : "**no**";

/** The Markdown of report.md. */
export function _renderExperiment(
  spec: ExperimentSpec,
  run: {
    command: string;
    specFile: string;
    wallSeconds: number;
    createdAt: string;
    scenarios: ScenarioReport[];
    resetSeeds: number;
  },
): string {
  const b = spec.budget, c = spec.calibration;
  const lines = [
    `# Does CMA learn? Experiment \`${spec.name}\``,
    "",
    spec.description ?? "",
    "",
    `Produced by \`${run.command}\` in ${(run.wallSeconds / 60).toFixed(1)} minutes of wall time ` +
    `(${run.createdAt}; ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ` +
    `${spec.jobs} training process${spec.jobs > 1 ? "es" : ""} at once).`,
    "",
    "## Setup",
    "",
    `- **Training seeds** ${spec.trainSeeds.join(", ")}: the root seed of each training run (weights, ` +
    `environment resets, sampling) and the episode seeds of the baseline calibration. The ` +
    `${run.resetSeeds} environment-reset seeds the training runs drew were recomputed and checked.`,
    `- **Evaluation seeds** ${spec.evalSeeds.join(", ")}: disjoint from all of the above; every policy ` +
    `plays exactly these episodes, deterministically (most likely action for learned policies).`,
    `- **Budget** per learned policy, scenario and seed: ${b.episodes} episodes × ${b.envs} environment ` +
    `copies × ${b.episodeLength} steps = ${b.episodes * b.envs * b.episodeLength} environment steps, ` +
    `one PPO update per episode. Evaluation episodes last ${b.evalEpisodeLength} steps.`,
    `- **Calibrated hpa**: targets ${c.hpaTargets.join(", ")} are each run on the training seeds; the ` +
    `lowest mean SLO violation rate v* is found, every target within ${c.violationTolerance} of v* ` +
    `counts as tied, and among the tied the one with the fewest replica-hours wins (then the higher target).`,
    `- **Calibrated static**: the scenario's mean external load is measured on the training seeds; then ` +
    `1, 2, … replicas per service (up to ${c.staticMaxReplicas}) run under a constant workload at that ` +
    `rate, and the smallest count whose mean SLO violation rate is at most the scenario's threshold is ` +
    `chosen (when none is, the count with the fewest violations).`,
    `- **Intervals**: mean ± half-width of the 95% Student-t interval. For learned policies the sample is ` +
    `one value per training seed (its mean over the evaluation episodes), so the interval covers training ` +
    `variance; for the deterministic baselines it is one value per evaluation episode.`,
    `- Learning curves: mean over training seeds of each episode's training metrics (stochastic actions), ` +
    `trailing moving average over ${spec.smooth} episodes.`,
    "",
  ];
  for (const s of run.scenarios) lines.push(..._scenarioSection(s));
  lines.push(
    "## Reproduce",
    "",
    "```sh",
    run.command,
    "```",
    "",
    `Spec: \`${run.specFile}\`. Numbers, per-seed data, calibration candidates and learning curves (every ` +
      "k-th episode, at most about 100 points): `summary.json`.",
    "",
  );
  return lines.join("\n");
}

function _scenarioSection(s: ScenarioReport): string[] {
  const headers = [
    "policy",
    ...COLUMNS.map((k) => k === "latencyMs" ? "mean latency (ms)" : REPORT_COLUMNS[k].header),
  ];
  const lines = [
    `## Scenario \`${s.name}\``,
    "",
    s.description ?? "",
    "",
    `Base pipeline \`${s.pipeline}\` with overrides \`${JSON.stringify(s.overrides)}\`.`,
    "",
    `| ${headers.join(" | ")} |`,
    `| ${headers.map((_, i) => i === 0 ? "---" : "---:").join(" | ")} |`,
  ];
  for (const p of s.policies) {
    const cells = COLUMNS.map((k) => formatInterval(p.summary[k], REPORT_COLUMNS[k].digits));
    lines.push(`| ${p.label} | ${cells.join(" | ")} |`);
  }
  const v = s.verdicts;
  lines.push(
    "",
    "Trained CMA (means):",
    `- beats its untrained start on reward: ${yes(v.beatsUntrainedOnReward)}`,
    `- beats calibrated static on reward: ${yes(v.beatsStaticOnReward)}`,
    `- beats calibrated hpa on reward: ${yes(v.beatsHpaOnReward)}`,
    `- fewer SLO violations than calibrated hpa: ${yes(v.fewerViolationsThanHpa)}; ` +
      `at no more replica-hours: ${yes(v.noMoreReplicaHoursThanHpa)}`,
    `- beats the ablation (mlp + mean) on reward: ${yes(v.beatsAblationOnReward)}`,
    "",
    "Learned policies per training seed (means over the evaluation episodes):",
    "",
    "| policy | training seed | SLO violation rate | replica-hours | mean reward | training time (s) |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const p of s.policies.filter((p) => p.kind !== "baseline")) {
    for (const r of p.runs) {
      const id = `${s.name}/${p.variant}/seed-${r.trainingSeed}`;
      const t = p.kind === "trained" ? (s.trainingSeconds[id] ?? NaN).toFixed(0) : "–";
      lines.push(
        `| ${p.label} | ${r.trainingSeed} | ${r.mean.sloViolationRate.toFixed(4)} | ` +
          `${r.mean.replicaHours.toFixed(3)} | ${r.mean.meanReward.toFixed(4)} | ${t} |`,
      );
    }
  }
  const h = s.calibration.hpa, st = s.calibration.static;
  lines.push(
    "",
    `HPA calibration on seeds ${
      h.seeds.join(", ")
    } (tolerance ${h.tolerance}): chosen target **${h.target}**.`,
    "",
    "| target | SLO violation rate | replica-hours | mean reward |",
    "| ---: | ---: | ---: | ---: |",
    ...h.candidates.map((c) =>
      `| ${c.value}${c.value === h.target ? " ✔" : ""} | ${c.sloViolationRate.toFixed(4)} | ` +
      `${c.replicaHours.toFixed(3)} | ${c.meanReward.toFixed(4)} |`
    ),
    "",
    `Static calibration on seeds ${st.seeds.join(", ")}: mean load ${st.meanLoad.toFixed(1)} req/s, ` +
      `threshold ${st.threshold}; chosen **${st.replicas}** replicas per service` +
      (st.met ? "." : " (no count met the threshold: the one with the fewest violations)."),
    "",
    "| replicas | SLO violation rate | replica-hours | mean reward |",
    "| ---: | ---: | ---: | ---: |",
    ...st.candidates.map((c) =>
      `| ${c.value}${c.value === st.replicas ? " ✔" : ""} | ${c.sloViolationRate.toFixed(4)} | ` +
      `${c.replicaHours.toFixed(3)} | ${c.meanReward.toFixed(4)} |`
    ),
    "",
  );
  for (const c of s.charts) lines.push(`![${c.title}](${c.file})`, "");
  return lines;
}
