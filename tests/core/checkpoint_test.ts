import { deepEqual, equal, rejects } from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../../core/errors.ts";
import {
  checkpointDir,
  latestCheckpoint,
  loadPolicyCheckpoint,
  MANIFEST,
  readManifest,
  readTrainerState,
  resolveCheckpoint,
  specDifference,
  specRecord,
  writeCheckpoint,
} from "../../core/checkpoint.ts";
import type { EnvSpec } from "../../core/environment.ts";
import type { Observation } from "../../core/environment.ts";
import type { TrainablePolicy } from "../../core/models.ts";

const spec: EnvSpec = {
  nodes: [{ id: "edge-0", kind: "edge", capacity: 4 }, { id: "cloud", kind: "cloud", capacity: 20 }],
  services: ["a", "b"],
  serviceFeatures: ["replicas"],
  nodeFeatures: [],
  minReplicas: Int32Array.from([1, 1, 1, 1]),
  maxReplicas: Int32Array.from([3, 3, 9, 9]),
  stepSeconds: 15,
  sloMs: 100,
};

/** A policy that saves and loads one number. */
class Counter implements TrainablePolicy {
  value = 0;
  reset() {}
  act(batch: Observation[]) {
    return Promise.resolve(batch.map((o) => o.replicas.slice()));
  }
  update() {
    this.value++;
    return Promise.resolve({});
  }
  async save(dir: string) {
    await Deno.writeTextFile(join(dir, "value.json"), JSON.stringify(this.value));
  }
  async load(dir: string) {
    this.value = JSON.parse(await Deno.readTextFile(join(dir, "value.json")));
  }
}

Deno.test("a checkpoint holds policy/, trainer.json and a versioned manifest with the spec, written last", async () => {
  const run = await Deno.makeTempDir();
  const policy = new Counter();
  policy.value = 7;
  const dir = await writeCheckpoint(run, {
    episode: 12,
    policy,
    trainer: { episode: 12, random: [1, 2] },
    spec,
  });
  equal(dir, join(run, "checkpoints", "000012"));
  equal(checkpointDir(run, 3), join(run, "checkpoints", "000003"));
  const manifest = await readManifest(dir);
  deepEqual([manifest.format, manifest.version, manifest.episode], ["cma-checkpoint", 1, 12]);
  deepEqual(manifest.spec, specRecord(spec));
  deepEqual(await readTrainerState(dir), { episode: 12, random: [1, 2] });
  const other = new Counter();
  equal(await loadPolicyCheckpoint(other, run), dir);
  equal(other.value, 7);
  await Deno.remove(run, { recursive: true });
});

Deno.test("a checkpoint missing its manifest is refused and skipped", async () => {
  const run = await Deno.makeTempDir();
  const policy = new Counter();
  await writeCheckpoint(run, { episode: 1, policy, trainer: {}, spec });
  const broken = await writeCheckpoint(run, { episode: 2, policy, trainer: {}, spec });
  await Deno.remove(join(broken, MANIFEST));
  await rejects(
    readManifest(broken),
    (e) => e instanceof InputError && /not a complete checkpoint/.test(e.message),
  );
  await rejects(resolveCheckpoint(broken), InputError);
  await rejects(loadPolicyCheckpoint(new Counter(), broken), InputError);
  equal(await latestCheckpoint(run), checkpointDir(run, 1));
  equal(await resolveCheckpoint(run), checkpointDir(run, 1));
  await rejects(
    resolveCheckpoint(join(run, "nowhere")),
    (e) => e instanceof InputError && /not found/.test(e.message),
  );
  await Deno.remove(run, { recursive: true });
});

Deno.test("specDifference names what differs and ignores capacities and bounds", () => {
  const saved = specRecord(spec);
  equal(
    specDifference(saved, { ...spec, maxReplicas: Int32Array.from([5, 5, 5, 5]), sloMs: 300 }),
    undefined,
  );
  equal(
    specDifference(saved, { ...spec, services: ["a", "c"] }),
    "services differ (checkpoint: a, b; this pipeline: a, c)",
  );
  equal(
    specDifference(saved, { ...spec, nodes: [spec.nodes[0]], serviceFeatures: ["replicas", "x"] }),
    "nodes differ (checkpoint: edge-0 (edge), cloud (cloud); this pipeline: edge-0 (edge)); " +
      "service features differ (checkpoint: replicas; this pipeline: replicas, x)",
  );
});
