// Runs one policy of an evaluation: creates it (backend, encoder, filter, checkpoint), then plays every
// seed on its own environment and records each step.
import { createEnvironment, createPolicy } from "./assemble.ts";
import { useBackend } from "./backend.ts";
import { latestCheckpoint, loadPolicyCheckpoint } from "./checkpoint.ts";
import { featureIndex } from "./environment.ts";
import type { EnvSpec, Observation, StepResult } from "./environment.ts";
import { isTrainable } from "./models.ts";
import type { AttentionMaps } from "./models.ts";
import type { LoadedPipeline, PluginRef } from "./pipeline.ts";
import type { StepRecord } from "./report.ts";

/** Which policy to run and how. */
export interface PolicyRunSpec {
  /** Label in the report. */
  label: string;
  /** The policy plugin and its options. */
  ref: PluginRef;
  /** Encoder of a learned policy (default: the pipeline's). */
  encoder?: PluginRef;
  /** Filter of a learned policy (default: the pipeline's). */
  filter?: PluginRef;
  /** Checkpoint to load; `undefined` and `latestOf` unset → none. */
  checkpoint?: string;
  /** Run folder whose latest checkpoint is loaded when `checkpoint` is unset (the pipeline's own policy). */
  latestOf?: string;
  /** Ask the policy for its attention on the middle observation of the first episode. */
  explain: boolean;
}

/** What a policy run produced. */
export interface PolicyRunResult {
  /** The step records of every episode. */
  records: StepRecord[];
  /** The environment's spec. */
  spec: EnvSpec;
  /** Checkpoint folder loaded, if any. */
  checkpoint?: string;
  /** Remarks for the report. */
  notes: string[];
  /** The policy's attention, when asked for and the policy explains itself. */
  attention?: AttentionMaps;
}

/** Settings shared by every run. */
export interface RunSettings {
  /** Episode seeds. */
  seeds: readonly number[];
  /** Steps per episode. */
  episodeLength: number;
  /** Deterministic actions. */
  deterministic: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

const LOAD_METRICS = ["requestRate", "externalRate", "externalArrivalRate", "arrivalRate", "load"];

/** Plays `settings.seeds` with the policy `run` describes. */
export async function runPolicy(
  loaded: LoadedPipeline,
  job: { run: PolicyRunSpec; settings: RunSettings },
): Promise<PolicyRunResult> {
  const { run, settings } = job;
  const env = await createEnvironment(loaded, {
    episodeLength: settings.episodeLength,
    seed: settings.seeds[0],
  });
  const notes: string[] = [];
  try {
    const plugin = loaded.plugin("policy", run.ref);
    if ((plugin.requires ?? []).length > 0) await useBackend(loaded.config.backend);
    const created = await createPolicy(loaded, {
      spec: env.spec,
      policy: run.ref,
      encoder: run.encoder,
      filter: run.filter,
    });
    const { policy } = created;
    try {
      let checkpoint: string | undefined;
      if (run.checkpoint) {
        checkpoint = await loadPolicyCheckpoint(policy, run.checkpoint);
      } else if (isTrainable(policy)) {
        const latest = run.latestOf ? await latestCheckpoint(run.latestOf) : undefined;
        if (latest) checkpoint = await loadPolicyCheckpoint(policy, latest);
        else {
          notes.push("Untrained: no checkpoint was found, so it was evaluated with its initial weights.");
          settings.log(`note: ${run.label} has no checkpoint; evaluating it untrained`);
        }
      }
      if (checkpoint) settings.log(`${run.label}: loaded checkpoint ${checkpoint}`);
      const records: StepRecord[] = [];
      let attention: AttentionMaps | undefined;
      for (let episode = 0; episode < settings.seeds.length; episode++) {
        const seed = settings.seeds[episode];
        settings.log(`${run.label}: episode ${episode + 1}/${settings.seeds.length} (seed ${seed})`);
        let observation: Observation = await env.reset({ seed });
        policy.reset(0);
        for (let step = 0; step < settings.episodeLength; step++) {
          if (
            run.explain && episode === 0 && step === Math.floor(settings.episodeLength / 2) && policy.explain
          ) {
            attention = await policy.explain(observation);
          }
          const [action] = await policy.act([observation], { deterministic: settings.deterministic });
          const result = await env.step(action);
          records.push({ policy: run.label, episode, seed, step, metrics: _stepMetrics(result, env.spec) });
          observation = result.observation;
          if (result.terminated || result.truncated) break;
        }
      }
      return { records, spec: env.spec, checkpoint, notes, attention };
    } finally {
      _dispose(() => policy.dispose?.());
      _dispose(() => created.encoder?.dispose());
      _dispose(() => created.filter?.dispose());
    }
  } finally {
    await env.close();
  }
}

/** Columns of a step record that an environment metric of the same name must not overwrite. */
const RESERVED = ["policy", "episode", "seed", "step"];

function _stepMetrics(result: StepResult, spec: EnvSpec): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(result.metrics)) {
    // An environment's own `step` counter is kept as `envStep`.
    const key = RESERVED.includes(name) ? `env${name[0].toUpperCase()}${name.slice(1)}` : name;
    metrics[key] = value;
  }
  if (!("load" in metrics)) metrics.load = _load(result, spec);
  let reward = 0;
  for (const r of result.rewards) reward += r;
  metrics.meanReward = result.rewards.length > 0 ? reward / result.rewards.length : NaN;
  return metrics;
}

/** External load of the step: a load metric when the environment reports one, else Σ arrivalRate. */
function _load(result: StepResult, spec: EnvSpec): number {
  for (const name of LOAD_METRICS) {
    const v = result.metrics[name];
    if (typeof v === "number") return v;
  }
  const f = featureIndex(spec, "arrivalRate");
  if (f < 0) return NaN;
  const F = spec.serviceFeatures.length;
  let total = 0;
  for (let i = f; i < result.observation.services.length; i += F) total += result.observation.services[i];
  return total;
}

function _dispose(free: () => void): void {
  try {
    free();
  } catch {
    // already freed by its owner
  }
}
