/**
 * The training loop behind `deno task train`: environment copies stepped side by side, one batched
 * `policy.act` per step for every copy and node, one `policy.update` per episode, metrics in
 * `metrics.jsonl`, checkpoints that a later run can resume from. Generic over any
 * {@linkcode TrainablePolicy}.
 *
 * @example
 * ```ts ignore
 * import { train } from "./train.ts";
 * const result = await train(await loadPipeline("examples/pipelines/quickstart.json", { registry }));
 * console.log(result.checkpoint);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { useBackend } from "./backend.ts";
import { createEnvironment, createPolicy } from "./assemble.ts";
import { latestCheckpoint, readManifest, readTrainerState, writeCheckpoint } from "./checkpoint.ts";
import { InputError, RuntimeError } from "./errors.ts";
import { isTrainable } from "./models.ts";
import type { TrainablePolicy } from "./models.ts";
import type { Environment } from "./environment.ts";
import type { LoadedPipeline } from "./pipeline.ts";
import { deriveSeed, Random } from "./random.ts";
import { _startProgress } from "./_train_progress.ts";
import { _collect } from "./_train_rollout.ts";
import { _pathExists } from "./_path_exists.ts";

/** Options of {@linkcode train}. */
export interface TrainOptions {
  /** Continue from the run folder's last complete checkpoint. */
  resume?: boolean;
  /** No progress bar and no log lines. */
  quiet?: boolean;
  /** Where log lines go (default `console.log`). */
  log?: (line: string) => void;
  /** Called after each episode with its metrics record (e.g. to watch memory in tests). */
  onEpisode?: (record: MetricsRecord) => void;
}

/** One line of `metrics.jsonl`: `episode`, `steps`, reward and metric means, update statistics, timings. */
export type MetricsRecord = Record<string, number>;

/** The fields of a {@linkcode MetricsRecord} that measure time and so differ between identical runs. */
export const TIMING_FIELDS: readonly string[] = [
  "wallSeconds",
  "episodeSeconds",
  "rolloutSeconds",
  "updateSeconds",
  "stepsPerSecond",
];

/** What {@linkcode train} returns. */
export interface TrainResult {
  /** The run folder. */
  runDir: string;
  /** Episodes completed in total (including those before a resume). */
  episodes: number;
  /** The last checkpoint written or resumed from. */
  checkpoint?: string;
  /** The episode the run resumed after, when it resumed. */
  resumedFrom?: number;
  /** The last episode's metrics record. */
  last?: MetricsRecord;
}

/** What `trainer.json` of a checkpoint holds. */
export interface TrainerState {
  /** Format version (1). */
  version: number;
  /** Episodes completed. */
  episode: number;
  /** Episodes the run was planned for when written. */
  episodes: number;
  /** Environment steps taken (episodes × episodeLength × envs). */
  steps: number;
  /** State of the trainer's generator, which draws the seed of every environment reset. */
  random: number[];
  /** How the reset seeds are scheduled. */
  seedSchedule: string;
  /** Learning-rate schedule position: episode / episodes. */
  progress: number;
}

/** A policy that follows training progress (e.g. for learning-rate decay); optional. */
interface ProgressAware {
  setProgress(fraction: number): void;
}

const METRICS = "metrics.jsonl";

async function hasEntries(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return true;
  } catch {
    return false;
  }
  return false;
}

/** Keeps the lines of `metrics.jsonl` whose episode is at most `episode`. */
async function truncateMetrics(file: string, episode: number): Promise<void> {
  if (!await _pathExists(file)) return;
  const lines = (await Deno.readTextFile(file)).split("\n").filter((line) => {
    if (line.trim() === "") return false;
    try {
      return JSON.parse(line).episode <= episode;
    } catch {
      return false;
    }
  });
  // Written beside the file, then renamed over it, so an interruption never leaves it half written.
  const temp = `${file}.tmp`;
  await Deno.writeTextFile(temp, lines.map((l) => l + "\n").join(""));
  await Deno.rename(temp, file);
}

/**
 * Trains the pipeline's policy (see the module documentation). Refuses a run folder that already holds a
 * run unless `resume`; stops with a {@linkcode RuntimeError} on a non-finite loss, keeping the last good
 * checkpoint.
 */
export async function train(loaded: LoadedPipeline, options: TrainOptions = {}): Promise<TrainResult> {
  const config = loaded.config;
  const { episodes, episodeLength, envs: copies, checkpointEvery } = config.train;
  const runDir = config.train.out;
  const log = options.quiet ? () => {} : options.log ?? ((line: string) => console.log(line));
  const metricsFile = join(runDir, METRICS);
  const latest = await latestCheckpoint(runDir);
  if (!options.resume && (await hasEntries(join(runDir, "checkpoints")) || await _pathExists(metricsFile))) {
    throw new InputError(
      `${runDir} already holds a training run (checkpoints/ or ${METRICS}); use --resume to continue it, ` +
        `or set another train.out (existing results are never overwritten)`,
    );
  }
  await useBackend(config.backend);
  const envs: Environment[] = [];
  let policy: TrainablePolicy | undefined;
  let progress = _startProgress({ total: episodes, start: 0, quiet: true });
  try {
    for (let c = 0; c < copies; c++) {
      envs.push(
        await createEnvironment(loaded, { episodeLength, seed: deriveSeed(config.seed, `train-env-${c}`) }),
      );
    }
    const spec = envs[0].spec;
    const created = await createPolicy(loaded, { spec });
    if (!isTrainable(created.policy)) {
      created.policy.dispose?.();
      throw new InputError(`policy "${config.policy.plugin}" does not learn: there is nothing to train`);
    }
    policy = created.policy;
    const random = new Random(deriveSeed(config.seed, "trainer"));
    let start = 0;
    let checkpoint: string | undefined;
    if (options.resume && latest) {
      const state = await readTrainerState(latest) as unknown as TrainerState;
      await readManifest(latest);
      await policy.load(join(latest, "policy"));
      random.setState(state.random);
      start = state.episode;
      checkpoint = latest;
      log(`resuming ${runDir} after episode ${start} (${latest})`);
    } else if (options.resume) {
      log(`${runDir} has no complete checkpoint: training from the start`);
    }
    await Deno.mkdir(runDir, { recursive: true });
    await truncateMetrics(metricsFile, start);
    await Deno.writeTextFile(join(runDir, "pipeline.json"), JSON.stringify(config, null, 2) + "\n");
    progress = _startProgress({ total: episodes, start, quiet: options.quiet ?? false });
    const began = performance.now();
    let last: MetricsRecord | undefined;
    for (let episode = start + 1; episode <= episodes; episode++) {
      (policy as Partial<ProgressAware>).setProgress?.((episode - 1) / episodes);
      const t0 = performance.now();
      const { rollout, means } = await _collect(envs, {
        policy,
        steps: episodeLength,
        nextSeed: () => random.nextUint32(),
      });
      const t1 = performance.now();
      let stats;
      try {
        stats = await policy.update(rollout);
      } catch (e) {
        if (!(e instanceof RuntimeError)) throw e;
        throw new RuntimeError(
          `training stopped in episode ${episode}: ${e.message}. The last good checkpoint is ` +
            `${checkpoint ?? "none (no checkpoint was written yet)"}; resume from it with --resume.`,
          { cause: e },
        );
      }
      const t2 = performance.now();
      const record: MetricsRecord = { episode, steps: episode * episodeLength * copies, ...means, ...stats };
      record.rolloutSeconds = (t1 - t0) / 1000;
      record.updateSeconds = (t2 - t1) / 1000;
      record.episodeSeconds = (t2 - t0) / 1000;
      record.stepsPerSecond = (episodeLength * copies) / Math.max(1e-9, (t1 - t0) / 1000);
      record.wallSeconds = (t2 - began) / 1000;
      await Deno.writeTextFile(metricsFile, JSON.stringify(record) + "\n", { append: true });
      last = record;
      progress.update({
        episode,
        stepsPerSecond: record.stepsPerSecond,
        reward: record.reward,
        sloViolationRate: record.sloViolationRate ?? NaN,
      });
      options.onEpisode?.(record);
      if (episode % checkpointEvery === 0 || episode === episodes) {
        const trainer: TrainerState = {
          version: 1,
          episode,
          episodes,
          steps: episode * episodeLength * copies,
          random: random.getState(),
          seedSchedule:
            "each environment reset draws its seed from the trainer generator (random), copies in order",
          progress: episode / episodes,
        };
        checkpoint = await writeCheckpoint(runDir, { episode, policy, trainer, spec });
        if (!Deno.stdout.isTerminal() || options.quiet) {
          log(`episode ${episode}/${episodes}: reward ${record.reward.toFixed(4)}, checkpoint ${checkpoint}`);
        }
      }
    }
    progress.stop();
    if (start >= episodes) log(`${runDir} already trained ${start} of ${episodes} episodes: nothing to do`);
    else log(`trained ${episodes} episodes; last checkpoint ${checkpoint}`);
    return {
      runDir,
      episodes: Math.max(start, episodes),
      checkpoint,
      resumedFrom: latest && options.resume ? start : undefined,
      last,
    };
  } finally {
    progress.stop();
    for (const env of envs) await env.close().catch(() => {});
    policy?.dispose?.();
  }
}
