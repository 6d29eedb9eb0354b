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
import type { Policy } from "./models.ts";

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
