import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../core/backend.ts";
import { InputError, RuntimeError } from "../../core/errors.ts";
import { latestCheckpoint, MANIFEST, readManifest } from "../../core/checkpoint.ts";
import { resolvePipeline } from "../../core/pipeline.ts";
import { TIMING_FIELDS, train } from "../../core/train.ts";
import { standInRegistry, tinyPipeline } from "../plugins/cma/_stand_ins.ts";

await useBackend("wasm");

function load(data: Record<string, unknown>) {
  return resolvePipeline(data, { registry: standInRegistry(), file: "/tmp/tiny.json" });
}

async function metricsWithoutTiming(runDir: string): Promise<Record<string, number>[]> {
  const text = await Deno.readTextFile(join(runDir, "metrics.jsonl"));
  return text.trim().split("\n").map((line) => {
    const record = JSON.parse(line);
    for (const f of TIMING_FIELDS) delete record[f];
    return record;
  });
}

const quiet = { quiet: true };

Deno.test("the tensor count stays flat across 20 rollout steps and an update, and returns to its start", async () => {
  const root = await Deno.makeTempDir();
  const start = tf.memory().numTensors;
  const counts: number[] = [];
  const loaded = await load(tinyPipeline(join(root, "run"), {
    train: { episodes: 3, episodeLength: 20, envs: 2, out: join(root, "run"), checkpointEvery: 10 },
  }));
  const result = await train(loaded, { ...quiet, onEpisode: () => counts.push(tf.memory().numTensors) });
  equal(counts.length, 3);
  equal(counts[2], counts[1]); // Adam's moments exist after the first update
  equal(tf.memory().numTensors, start);
  equal(result.episodes, 3);
  const m = await readManifest(result.checkpoint!);
  equal(m.episode, 3);
  deepEqual(m.spec?.services, ["front", "cart", "db"]);
  const lines = await metricsWithoutTiming(join(root, "run"));
  deepEqual(lines.map((l) => [l.episode, l.steps]), [[1, 40], [2, 80], [3, 120]]);
  for (
    const key of ["reward", "sloViolationRate", "p95LatencyMs", "policyLoss", "valueLoss", "entropy", "value"]
  ) {
    ok(Number.isFinite(lines[2][key]), key);
  }
  await Deno.remove(root, { recursive: true });
});

Deno.test("training 4 episodes equals training 2, stopping, and resuming for 2", async () => {
  const root = await Deno.makeTempDir();
  const straight = join(root, "straight"), resumed = join(root, "resumed");
  await train(await load(tinyPipeline(straight)), quiet);
  const two = tinyPipeline(resumed, {
    train: { episodes: 2, episodeLength: 6, envs: 2, out: resumed, checkpointEvery: 1 },
  });
  await train(await load(two), quiet);
  await rejects(
    train(await load(tinyPipeline(resumed)), quiet),
    (e) => e instanceof InputError && /--resume/.test(e.message),
  );
  const result = await train(await load(tinyPipeline(resumed)), { ...quiet, resume: true });
  equal(result.resumedFrom, 2);
  const a = await metricsWithoutTiming(straight), b = await metricsWithoutTiming(resumed);
  equal(a.length, 4);
  deepEqual(b, a);
  await Deno.remove(root, { recursive: true });
});

Deno.test("resume skips a checkpoint missing its manifest and truncates metrics.jsonl back to it", async () => {
  const root = await Deno.makeTempDir();
  const run = join(root, "run");
  const pipeline = tinyPipeline(run, {
    train: { episodes: 3, episodeLength: 4, envs: 2, out: run, checkpointEvery: 1 },
  });
  await train(await load(pipeline), quiet);
  const reference = await metricsWithoutTiming(run);
  await Deno.remove(join(run, "checkpoints", "000003", MANIFEST)); // as if interrupted while writing
  equal(await latestCheckpoint(run), join(run, "checkpoints", "000002"));
  const lines: string[] = [];
  const result = await train(await load(pipeline), { resume: true, log: (l) => lines.push(l) });
  equal(result.resumedFrom, 2);
  ok(lines.some((l) => l.includes("resuming") && l.includes("000002")));
  deepEqual(await metricsWithoutTiming(run), reference);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a non-finite loss stops training with a RuntimeError and keeps the last good checkpoint", async () => {
  const root = await Deno.makeTempDir();
  const run = join(root, "run");
  const pipeline = tinyPipeline(run, { env: { plugin: "toy", options: { nanFromReset: 3 } } });
  await rejects(
    train(await load(pipeline), quiet),
    (e) => e instanceof RuntimeError && /episode 3/.test(e.message) && /000002/.test(e.message),
  );
  const latest = await latestCheckpoint(run);
  equal(latest, join(run, "checkpoints", "000002"));
  equal((await metricsWithoutTiming(run)).length, 2);
  // the kept checkpoint loads and trains on
  const clean = tinyPipeline(run, {
    train: { episodes: 3, episodeLength: 6, envs: 2, out: run, checkpointEvery: 1 },
  });
  const result = await train(await load(clean), { ...quiet, resume: true });
  equal(result.episodes, 3);
  await Deno.remove(root, { recursive: true });
});
