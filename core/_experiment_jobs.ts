// The pipelines an experiment derives from its scenarios, and the training jobs: run in this process
// (jobs = 1) or as child processes of the CLI (`experiment <spec> --train-job <id>`), at most `jobs` at once.
import { join } from "node:path";
import { InputError, RuntimeError } from "./errors.ts";
import { parseJson, resolvePipeline } from "./pipeline.ts";
import type { LoadedPipeline } from "./pipeline.ts";
import type { PluginRegistry } from "./registry.ts";
import { deriveSeed, Random } from "./random.ts";
import { train } from "./train.ts";
import type { ExperimentSpec, LearnedVariant, ScenarioSpec } from "./_experiment_spec.ts";

/** One training run: a learned variant of a scenario with one root seed. */
export interface TrainingJob {
  /** `<scenario>/<variant>/seed-<seed>`. */
  id: string;
  /** The scenario. */
  scenario: ScenarioSpec;
  /** The learned variant. */
  variant: LearnedVariant;
  /** Root seed of the run (weights, environments, sampling). */
  seed: number;
  /** Run folder. */
  runDir: string;
}

/** Merges `patch` into `base`: objects deeply, anything else (arrays too) replaced. */
export function _deepMerge(base: unknown, patch: unknown): unknown {
  if (!_isObject(base) || !_isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(patch)) out[k] = k in out ? _deepMerge(out[k], v) : structuredClone(v);
  return out;
}

function _isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

const _baseCache = new Map<string, unknown>();

/** The scenario's base pipeline with its overrides merged in (as JSON data). */
export async function _scenarioData(scenario: ScenarioSpec): Promise<Record<string, unknown>> {
  let base = _baseCache.get(scenario.pipeline);
  if (!base) {
    let text: string;
    try {
      text = await Deno.readTextFile(scenario.pipeline);
    } catch (e) {
      throw new InputError(
        `scenario "${scenario.name}": cannot read the pipeline ${scenario.pipeline} (${
          e instanceof Error ? e.message : e
        })`,
      );
    }
    base = parseJson(text, scenario.pipeline);
    _baseCache.set(scenario.pipeline, base);
  }
  return _deepMerge(base, scenario.overrides) as Record<string, unknown>;
}

/** Options of {@linkcode _loadVariant}. */
export interface VariantOptions {
  /** Plugin registry. */
  registry: PluginRegistry;
  /** Root seed. */
  seed: number;
  /** Run folder. */
  runDir: string;
  /** The experiment (budget). */
  spec: ExperimentSpec;
}

/** The scenario's pipeline for a learned variant and seed, with the experiment's budget, resolved. */
export async function _loadVariant(
  job: { scenario: ScenarioSpec; variant: LearnedVariant },
  options: VariantOptions,
): Promise<LoadedPipeline> {
  const { scenario, variant } = job;
  const { budget } = options.spec;
  const data = await _scenarioData(scenario);
  data.name = `${scenario.name}-${variant.name}-s${options.seed}`;
  data.seed = options.seed;
  if (variant.encoder) data.encoder = structuredClone(variant.encoder);
  if (variant.filter) data.filter = structuredClone(variant.filter);
  data.train = {
    episodes: budget.episodes,
    episodeLength: budget.episodeLength,
    envs: budget.envs,
    out: options.runDir,
    checkpointEvery: Math.max(1, Math.ceil(budget.episodes / 4)),
  };
  data.eval = {
    episodes: options.spec.evalSeeds.length,
    episodeLength: budget.evalEpisodeLength,
    compare: [],
  };
  return await _resolveIn(data, {
    registry: options.registry,
    file: scenario.pipeline,
    what: String(data.name),
  });
}

/** Resolves pipeline data as if it were the file `file`; errors say which derived pipeline failed. */
export async function _resolveIn(
  data: unknown,
  options: { registry: PluginRegistry; file: string; what: string },
): Promise<LoadedPipeline> {
  try {
    return await resolvePipeline(data, { registry: options.registry, file: options.file });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(`experiment pipeline ${options.what} (from ${options.file}):\n${e.message}`);
  }
}

/** Every training job of the experiment, scenario by scenario, variant by variant, seed by seed. */
export function _trainingJobs(spec: ExperimentSpec): TrainingJob[] {
  const jobs: TrainingJob[] = [];
  for (const scenario of spec.scenarios) {
    for (const variant of spec.learned) {
      for (const seed of spec.trainSeeds) {
        const id = `${scenario.name}/${variant.name}/seed-${seed}`;
        jobs.push({ id, scenario, variant, seed, runDir: join(spec.out, id) });
      }
    }
  }
  return jobs;
}

/** Trains one job in this process (resuming a run folder it finds; a finished run is left as it is). */
export async function _trainJob(
  job: TrainingJob,
  options: { registry: PluginRegistry; spec: ExperimentSpec },
): Promise<void> {
  const loaded = await _loadVariant(job, { ...options, seed: job.seed, runDir: job.runDir });
  await train(loaded, { resume: true, quiet: true });
}

/** Options of {@linkcode _trainAll}. */
export interface TrainAllOptions {
  /** Plugin registry (in-process training). */
  registry: PluginRegistry;
  /** The experiment. */
  spec: ExperimentSpec;
  /** Command that re-runs the CLI up to its `experiment` word; needed when `spec.jobs > 1`. */
  self?: string[];
  /** Progress lines. */
  log: (line: string) => void;
}

/** Trains every job, at most `spec.jobs` at once; a failed job stops the experiment with its log's tail. */
export async function _trainAll(jobs: TrainingJob[], options: TrainAllOptions): Promise<void> {
  const { spec, log } = options;
  const parallel = spec.jobs > 1 && options.self !== undefined;
  let next = 0, done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const t0 = performance.now();
      log(`training ${job.id} (${parallel ? "child process" : "in process"})`);
      if (parallel) await _trainChild(job, { self: options.self!, spec });
      else await _trainJob(job, options);
      done++;
      log(`trained ${job.id} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${done}/${jobs.length})`);
    }
  };
  await Promise.all(Array.from({ length: parallel ? Math.min(spec.jobs, jobs.length) : 1 }, worker));
}

async function _trainChild(
  job: TrainingJob,
  options: { self: string[]; spec: ExperimentSpec },
): Promise<void> {
  const [command, ...prefix] = options.self;
  const output = await new Deno.Command(command, {
    args: [...prefix, options.spec.file, "--out", options.spec.out, "--train-job", job.id],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  await Deno.mkdir(job.runDir, { recursive: true });
  await Deno.writeTextFile(join(job.runDir, "train.log"), text);
  if (!output.success) {
    const tail = text.trim().split("\n").slice(-8).join("\n");
    throw new RuntimeError(`training ${job.id} failed (exit code ${output.code}):\n${tail}`);
  }
}

/**
 * The seeds the environment resets of a training run drew, by the schedule core/train.ts records in
 * every checkpoint: each reset draws the next number of `Random(deriveSeed(seed, "trainer"))`, copies in
 * order, one reset per copy and episode (an episode is exactly one truncated episode per copy).
 */
export function _trainingResetSeeds(seed: number, budget: { episodes: number; envs: number }): number[] {
  const random = new Random(deriveSeed(seed, "trainer"));
  return Array.from({ length: budget.episodes * budget.envs }, () => random.nextUint32());
}

/** Reads a run's `metrics.jsonl` (one record per episode). */
export async function _readMetrics(runDir: string): Promise<Record<string, number>[]> {
  const text = await Deno.readTextFile(join(runDir, "metrics.jsonl"));
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}
