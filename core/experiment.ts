/**
 * The learning experiment (`deno task experiment <spec.json>`): does CMA learn? For every scenario of a
 * spec it calibrates the Kubernetes HPA and a static allocation on the training seeds, trains every
 * learned variant (CMA and its attention-free ablation) on several seeds with the same budget, evaluates
 * them, CMA's untrained start and the calibrated baselines on disjoint evaluation seeds, and writes one
 * report: mean ± 95% interval per policy, learning curves, CMA's attention, and verdicts.
 *
 * The spec is JSON (validated, defaults filled in, unknown keys rejected, errors naming file and path):
 * `name`, `seeds.train`, `seeds.eval`, `budget` (`episodes`, `episodeLength`, `envs`,
 * `evalEpisodeLength`), `scenarios` (each a base `pipeline` plus `overrides`), optionally `learned`
 * variants, `calibration`, `jobs`, `out`, `report`. See `examples/experiments/`.
 *
 * @example
 * ```ts ignore
 * import { runExperiment } from "./experiment.ts";
 * const result = await runExperiment("examples/experiments/smoke.json", { registry, log: console.log });
 * console.log(result.reportDir);
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, relative } from "node:path";
import { InputError } from "./errors.ts";
import type { PluginRegistry } from "./registry.ts";
import type { CliCommand } from "./cli.ts";
import { _loadExperimentSpec } from "./_experiment_spec.ts";
import type { ExperimentSpec } from "./_experiment_spec.ts";
import {
  _loadVariant,
  _readMetrics,
  _trainAll,
  _trainingJobs,
  _trainingResetSeeds,
  _trainJob,
} from "./_experiment_jobs.ts";
import { _calibrateHpa, _calibrateStatic, _loadScenario } from "./_experiment_calibrate.ts";
import { _evaluateScenario } from "./_experiment_evaluate.ts";
import {
  _attentionCharts,
  _curve,
  _curveCharts,
  _renderExperiment,
  _verdicts,
} from "./_experiment_report.ts";
import type { LearningCurve, ScenarioReport } from "./_experiment_report.ts";

export type {
  BudgetSpec,
  CalibrationSpec,
  ExperimentSpec,
  LearnedVariant,
  ScenarioSpec,
} from "./_experiment_spec.ts";
export { EXPERIMENT_SCHEMA } from "./_experiment_spec.ts";
export { chooseHpaTarget, chooseStaticReplicas } from "./_experiment_calibrate.ts";
export type { CalibrationCandidate, HpaCalibration, StaticCalibration } from "./_experiment_calibrate.ts";
export type { EvaluationRun, PolicyResult } from "./_experiment_evaluate.ts";
export type { LearningCurve, ScenarioReport, Verdicts } from "./_experiment_report.ts";

/** Options of {@linkcode runExperiment}. */
export interface ExperimentOptions {
  /** Registry the pipelines' plugin names resolve against. */
  registry: PluginRegistry;
  /** Work folder instead of the spec's `out` (run folders, checkpoints). */
  out?: string;
  /** Report folder instead of the spec's `report`. */
  report?: string;
  /** Trainings at once instead of the spec's `jobs`. */
  jobs?: number;
  /** Command re-running the CLI up to its `experiment` word, for child trainings (needed when jobs > 1). */
  self?: string[];
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
  /** The command shown in the report (default: `deno task experiment <spec>`). */
  command?: string;
}

/** What `summary.json` holds. */
export interface ExperimentSummary {
  /** Experiment name. */
  name: string;
  /** The command that produced it. */
  command: string;
  /** Wall time of the whole run in seconds. */
  wallSeconds: number;
  /** ISO time it was written. */
  createdAt: string;
  /**
   * Training and evaluation seeds, and how many environment-reset seeds the training runs drew (each
   * recomputed and checked to be none of the evaluation seeds).
   */
  seeds: { train: number[]; eval: number[]; trainingResets: number };
  /** Training budget. */
  budget: ExperimentSpec["budget"];
  /** One entry per scenario. */
  scenarios: ScenarioReport[];
}

/** What {@linkcode runExperiment} returns. */
export interface ExperimentResult {
  /** The report folder. */
  reportDir: string;
  /** The numbers written to `summary.json`. */
  summary: ExperimentSummary;
  /** Files written to the report folder. */
  files: string[];
}

/** Loads a spec, with the command-line overrides applied. */
async function _spec(path: string, options: Pick<ExperimentOptions, "out" | "report" | "jobs">) {
  const spec = await _loadExperimentSpec(path);
  if (options.out !== undefined) spec.out = options.out;
  if (options.report !== undefined) spec.report = options.report;
  if (options.jobs !== undefined) spec.jobs = options.jobs;
  return spec;
}

/** Runs the experiment the spec at `path` describes and writes its report (see the module doc). */
export async function runExperiment(path: string, options: ExperimentOptions): Promise<ExperimentResult> {
  const began = performance.now();
  const { registry } = options;
  const log = options.log ?? (() => {});
  const spec = await _spec(path, options);
  const jobs = _trainingJobs(spec);
  // Every derived pipeline must resolve before anything runs.
  for (const job of jobs) await _loadVariant(job, { registry, spec, seed: job.seed, runDir: job.runDir });
  for (const scenario of spec.scenarios) await _loadScenario(scenario, { registry });
  const resets = jobs.flatMap((j) => _trainingResetSeeds(j.seed, spec.budget));
  const clash = spec.evalSeeds.filter((s) => resets.includes(s));
  if (clash.length > 0) {
    throw new InputError(
      `${spec.file}: /seeds/eval ${clash.join(", ")} were also drawn as training reset seeds; choose others`,
    );
  }
  const calibration = new Map<string, Awaited<ReturnType<typeof _calibrate>>>();
  for (const scenario of spec.scenarios) {
    calibration.set(scenario.name, await _calibrate(scenario, { registry, spec, log }));
  }
  await _trainAll(jobs, { registry, spec, self: options.self, log });

  await Deno.mkdir(spec.report, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, text: string) => {
    await Deno.writeTextFile(join(spec.report, name), text);
    files.push(name);
  };
  const scenarios: ScenarioReport[] = [];
  for (const scenario of spec.scenarios) {
    const scenarioJobs = jobs.filter((j) => j.scenario.name === scenario.name);
    const cal = calibration.get(scenario.name)!;
    const evaluation = await _evaluateScenario(scenario, {
      registry,
      spec,
      jobs: scenarioJobs,
      calibration: cal,
      log,
    });
    const curves: LearningCurve[] = [];
    const trainingSeconds: Record<string, number> = {};
    for (const variant of spec.learned) {
      const runs = [];
      for (const job of scenarioJobs.filter((j) => j.variant.name === variant.name)) {
        const metrics = await _readMetrics(job.runDir);
        trainingSeconds[job.id] = metrics[metrics.length - 1]?.wallSeconds ?? NaN;
        runs.push(metrics);
      }
      curves.push({
        label: variant.label,
        steps: runs[0].slice(0, Math.min(...runs.map((r) => r.length))).map((r) => r.steps),
        reward: _curve(runs, { metric: "reward", window: spec.smooth }),
        sloViolationRate: _curve(runs, { metric: "sloViolationRate", window: spec.smooth }),
      });
    }
    const hpaChosen = cal.hpa.candidates.find((c) => c.value === cal.hpa.target)!;
    const charts = await _curveCharts(curves, {
      scenario: scenario.name,
      hpaReference: { reward: hpaChosen.meanReward, sloViolationRate: hpaChosen.sloViolationRate },
    });
    if (evaluation.attention) {
      charts.push(
        ...await _attentionCharts(evaluation.attention, {
          scenario: scenario.name,
          envSpec: evaluation.envSpec,
        }),
      );
    }
    for (const c of charts) await write(c.file, c.svg);
    scenarios.push({
      name: scenario.name,
      description: scenario.description,
      pipeline: _relative(scenario.pipeline),
      overrides: scenario.overrides,
      calibration: cal,
      policies: evaluation.policies,
      verdicts: _verdicts(evaluation.policies),
      curves: curves.map((c) => _thin(c, 100)),
      trainingSeconds,
      charts: charts.map(({ file, title }) => ({ file, title })),
    });
  }
  const command = options.command ?? `deno task experiment ${_relative(spec.file)}`;
  const createdAt = new Date().toISOString();
  const wallSeconds = (performance.now() - began) / 1000;
  const summary: ExperimentSummary = {
    name: spec.name,
    command,
    wallSeconds,
    createdAt,
    seeds: { train: spec.trainSeeds, eval: spec.evalSeeds, trainingResets: resets.length },
    budget: spec.budget,
    scenarios,
  };
  await write("summary.json", JSON.stringify(summary, _compact, 1) + "\n");
  await write(
    "report.md",
    _renderExperiment(spec, {
      command,
      specFile: _relative(spec.file),
      wallSeconds,
      createdAt,
      scenarios,
      resetSeeds: resets.length,
    }),
  );
  log(`report written to ${join(spec.report, "report.md")}`);
  return { reportDir: spec.report, summary, files };
}

async function _calibrate(
  scenario: ExperimentSpec["scenarios"][number],
  options: { registry: PluginRegistry; spec: ExperimentSpec; log: (line: string) => void },
) {
  return { hpa: await _calibrateHpa(scenario, options), static: await _calibrateStatic(scenario, options) };
}

/** At most about `points` points of a curve (every k-th episode, and always the last), for summary.json. */
function _thin(curve: LearningCurve, points: number): LearningCurve {
  const n = curve.steps.length, k = Math.max(1, Math.ceil(n / points));
  const keep = (_: number, i: number) => i % k === k - 1 || i === n - 1;
  return {
    label: curve.label,
    steps: curve.steps.filter(keep),
    reward: curve.reward.filter(keep),
    sloViolationRate: curve.sloViolationRate.filter(keep),
  };
}

function _relative(file: string): string {
  const rel = relative(Deno.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

/** JSON replacer: non-finite numbers as null, others rounded to 6 significant digits. */
function _compact(_key: string, value: unknown): unknown {
  if (typeof value !== "number") return value;
  if (!Number.isFinite(value)) return null;
  return Number.isInteger(value) ? value : Number(value.toPrecision(6));
}

/** The permissions child trainings run with (those of the `train` task). */
const CHILD_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-import",
  "--allow-sys",
];

/**
 * The `experiment` CLI command. With `jobs` above 1, trainings run as child processes of the same CLI
 * (`Deno.mainModule experiment <spec> --train-job <id>`), which needs `--allow-run`.
 */
export function experimentCommand(
  options: { registry: PluginRegistry; print?: (line: string) => void },
): CliCommand {
  const print = options.print ?? ((line: string) => console.log(line));
  return {
    name: "experiment",
    description:
      "Train and evaluate CMA, its ablation and calibrated baselines over seeds; write one report.",
    usage: "Usage: deno task experiment <spec.json> [--out <folder>] [--report <folder>] [--jobs N]\n\n" +
      "Calibrates hpa and static on the training seeds, trains every learned variant on every training seed\n" +
      "(up to --jobs at once, as child processes), evaluates everything on the evaluation seeds and writes\n" +
      "report.md, summary.json and SVG charts. Finished trainings in the work folder are reused, partial\n" +
      "ones resumed. Spec examples: examples/experiments/.",
    async run(args) {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
          out: { type: "string" },
          report: { type: "string" },
          jobs: { type: "string" },
          "train-job": { type: "string" },
        },
      });
      if (positionals.length !== 1) throw new InputError("experiment takes exactly one spec file");
      let jobs: number | undefined;
      if (values.jobs !== undefined) {
        jobs = Number(values.jobs);
        if (!Number.isInteger(jobs) || jobs < 1) {
          throw new InputError(`--jobs must be an integer >= 1 (got "${values.jobs}")`);
        }
      }
      const { registry } = options;
      if (values["train-job"] !== undefined) {
        const spec = await _spec(positionals[0], { out: values.out });
        const job = _trainingJobs(spec).find((j) => j.id === values["train-job"]);
        if (!job) throw new InputError(`--train-job: no job "${values["train-job"]}" in ${positionals[0]}`);
        await _trainJob(job, { registry, spec });
        print(`trained ${job.id}`);
        return 0;
      }
      const self = [Deno.execPath(), "run", ...CHILD_PERMISSIONS, Deno.mainModule, "experiment"];
      const quoted = args.map((a) => /^[\w./:=@%+-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
      const result = await runExperiment(positionals[0], {
        registry,
        out: values.out,
        report: values.report,
        jobs,
        self,
        log: (line) => print(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
        command: ["deno task experiment", ...quoted].join(" "),
      });
      print(`report: ${join(result.reportDir, "report.md")}`);
      return 0;
    },
  };
}
