/**
 * Checkpoint folders. A run folder keeps its checkpoints in `checkpoints/<episode>/`, each holding the
 * policy's own files in `policy/`, the trainer's state in `trainer.json`, and `manifest.json`, written
 * last: a folder without a manifest is a half-written checkpoint and is never loaded.
 *
 * @module
 */
import { join } from "node:path";
import { InputError } from "./errors.ts";
import { isTrainable } from "./models.ts";
import type { Policy, TrainablePolicy } from "./models.ts";
import type { EnvSpec, NodeInfo } from "./environment.ts";

/** Name of the manifest file that marks a checkpoint complete. */
export const MANIFEST = "manifest.json";

/** The format tag and version every manifest carries. */
export const CHECKPOINT_FORMAT = { format: "cma-checkpoint", version: 1 } as const;

/** What `manifest.json` holds. */
export interface CheckpointManifest {
  /** Always `"cma-checkpoint"`. */
  format: string;
  /** Format version (1). */
  version: number;
  /** Training episodes completed when the checkpoint was written. */
  episode: number;
  /** ISO time the checkpoint was written. */
  createdAt: string;
  /** The environment spec the policy was trained on (absent in checkpoints written by hand). */
  spec?: SpecRecord;
}

/** Name of the trainer-state file of a checkpoint. */
export const TRAINER_STATE = "trainer.json";

/** An {@linkcode EnvSpec} as plain JSON (typed arrays as number arrays). */
export interface SpecRecord {
  /** The nodes (agents). */
  nodes: NodeInfo[];
  /** Service names. */
  services: string[];
  /** Per-service feature names. */
  serviceFeatures: string[];
  /** Per-node feature names. */
  nodeFeatures: string[];
  /** Lowest replicas `[A,S]`. */
  minReplicas: number[];
  /** Highest replicas `[A,S]`. */
  maxReplicas: number[];
  /** Seconds per control step. */
  stepSeconds: number;
  /** Latency objective in milliseconds. */
  sloMs: number;
}

/** The JSON form of a spec, to store in checkpoints. */
export function specRecord(spec: EnvSpec): SpecRecord {
  return {
    nodes: spec.nodes.map(({ id, kind, capacity }) => ({ id, kind, capacity })),
    services: [...spec.services],
    serviceFeatures: [...spec.serviceFeatures],
    nodeFeatures: [...spec.nodeFeatures],
    minReplicas: [...spec.minReplicas],
    maxReplicas: [...spec.maxReplicas],
    stepSeconds: spec.stepSeconds,
    sloMs: spec.sloMs,
  };
}

/**
 * What makes a checkpoint's spec incompatible with the current one, or `undefined` when they match: the
 * services, the nodes (ids and kinds, in order) and the service and node feature names must be equal.
 * Capacities, replica bounds, step length and SLO may differ (a policy may be evaluated elsewhere).
 */
export function specDifference(saved: SpecRecord, current: EnvSpec): string | undefined {
  const problems: string[] = [];
  const compare = (what: string, a: string[], b: string[]) => {
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
      problems.push(
        `${what} differ (checkpoint: ${a.join(", ") || "none"}; this pipeline: ${b.join(", ") || "none"})`,
      );
    }
  };
  compare("services", saved.services, current.services);
  compare(
    "nodes",
    saved.nodes.map((n) => `${n.id} (${n.kind})`),
    current.nodes.map((n) => `${n.id} (${n.kind})`),
  );
  compare("service features", saved.serviceFeatures, current.serviceFeatures);
  compare("node features", saved.nodeFeatures, current.nodeFeatures);
  return problems.length > 0 ? problems.join("; ") : undefined;
}

/** The folder of the checkpoint after `episode` episodes: `<runDir>/checkpoints/<episode, 6 digits>`. */
export function checkpointDir(runDir: string, episode: number): string {
  return join(runDir, "checkpoints", String(episode).padStart(6, "0"));
}

/** What {@linkcode writeCheckpoint} writes. */
export interface WriteCheckpointOptions {
  /** Episodes completed. */
  episode: number;
  /** The policy; it saves itself into `policy/`. */
  policy: TrainablePolicy;
  /** The trainer's own state (JSON), written to `trainer.json`. */
  trainer: unknown;
  /** The environment spec, recorded in the manifest. */
  spec: EnvSpec;
}

/**
 * Writes a checkpoint folder: `policy/`, then `trainer.json`, then `manifest.json` last, so an
 * interrupted write leaves a folder that {@linkcode readManifest} refuses. A folder of the same episode
 * is replaced. Returns the folder.
 */
export async function writeCheckpoint(runDir: string, options: WriteCheckpointOptions): Promise<string> {
  const dir = checkpointDir(runDir, options.episode);
  await Deno.remove(dir, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.mkdir(join(dir, "policy"), { recursive: true });
  await options.policy.save(join(dir, "policy"));
  await Deno.writeTextFile(join(dir, TRAINER_STATE), JSON.stringify(options.trainer, null, 2) + "\n");
  const manifest: CheckpointManifest = {
    ...CHECKPOINT_FORMAT,
    episode: options.episode,
    createdAt: new Date().toISOString(),
    spec: specRecord(options.spec),
  };
  await Deno.writeTextFile(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  return dir;
}

/** Reads a complete checkpoint's `trainer.json`; an {@linkcode InputError} when missing or malformed. */
export async function readTrainerState(dir: string): Promise<Record<string, unknown>> {
  await readManifest(dir);
  const file = join(dir, TRAINER_STATE);
  try {
    const value = JSON.parse(await Deno.readTextFile(file));
    if (typeof value !== "object" || value === null) throw new Error("not an object");
    return value;
  } catch (e) {
    throw new InputError(`${file}: cannot read the trainer state (${e instanceof Error ? e.message : e})`);
  }
}

/** Reads and checks a checkpoint's manifest; an {@linkcode InputError} when missing or malformed. */
export async function readManifest(dir: string): Promise<CheckpointManifest> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, MANIFEST));
  } catch {
    throw new InputError(
      `${dir}: not a complete checkpoint (no ${MANIFEST}; it may have been interrupted while being written)`,
    );
  }
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new InputError(`${join(dir, MANIFEST)}: invalid JSON`);
  }
  if (manifest.format !== CHECKPOINT_FORMAT.format || manifest.version !== CHECKPOINT_FORMAT.version) {
    throw new InputError(
      `${join(dir, MANIFEST)}: unsupported checkpoint format ${JSON.stringify(manifest.format)} version ` +
        `${manifest.version} (this version reads ${CHECKPOINT_FORMAT.format} ${CHECKPOINT_FORMAT.version})`,
    );
  }
  return manifest;
}

/** The newest complete checkpoint folder of a run folder, or `undefined` when it has none. */
export async function latestCheckpoint(runDir: string): Promise<string | undefined> {
  const root = join(runDir, "checkpoints");
  let best: { dir: string; episode: number } | undefined;
  try {
    for await (const entry of Deno.readDir(root)) {
      if (!entry.isDirectory) continue;
      const dir = join(root, entry.name);
      try {
        const { episode } = await readManifest(dir);
        if (!best || episode > best.episode) best = { dir, episode };
      } catch {
        // incomplete checkpoints are skipped
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  return best?.dir;
}

/**
 * Resolves `path` (a checkpoint folder, or a run folder whose latest checkpoint is meant) to a complete
 * checkpoint folder; an {@linkcode InputError} when there is none.
 */
export async function resolveCheckpoint(path: string): Promise<string> {
  try {
    await Deno.stat(join(path, MANIFEST));
    await readManifest(path);
    return path;
  } catch (e) {
    if (e instanceof InputError) throw e;
  }
  const latest = await latestCheckpoint(path);
  if (latest) return latest;
  try {
    await Deno.stat(path);
  } catch {
    throw new InputError(`${path}: checkpoint not found`);
  }
  throw new InputError(`${path}: no complete checkpoint here (no ${MANIFEST}, no checkpoints/*/${MANIFEST})`);
}

/** Loads a checkpoint (folder or run folder) into a trainable policy. */
export async function loadPolicyCheckpoint(policy: Policy, path: string): Promise<string> {
  if (!isTrainable(policy)) {
    throw new InputError(`${path}: this policy has no weights to load a checkpoint into`);
  }
  const dir = await resolveCheckpoint(path);
  await policy.load(join(dir, "policy"));
  return dir;
}
