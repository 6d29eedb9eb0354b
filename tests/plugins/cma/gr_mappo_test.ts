import { deepEqual, equal, notDeepEqual, ok, rejects, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../../core/backend.ts";
import { InputError, RuntimeError } from "../../../core/errors.ts";
import { join } from "node:path";
import { resolvePipeline } from "../../../core/pipeline.ts";
import { _collect } from "../../../core/_train_rollout.ts";
import type { Rollout } from "../../../core/models.ts";
import { GrMappo } from "../../../plugins/cma/gr_mappo.ts";
import { dependencyAttentionPlugin } from "../../../plugins/cma/dependency_attention.ts";
import { informationAttentionPlugin } from "../../../plugins/cma/information_attention.ts";
import type { GrMappoOptions } from "../../../plugins/cma/gr_mappo_options.ts";
import { StandInEncoder, StandInFilter, standInRegistry, tinyPipeline, ToyCluster } from "./_stand_ins.ts";
import { near } from "./_near.ts";

await useBackend("wasm");

function makePolicy(seed: number, options: Partial<GrMappoOptions> = {}, spec = new ToyCluster(0, 6).spec) {
  return new GrMappo({ actorHidden: 8, criticHidden: 8, ppoEpochs: 2, ...options }, {
    spec,
    seed,
    encoder: new StandInEncoder(spec.serviceFeatures.length, 8, seed + 1),
    filter: new StandInFilter(8, 8, seed + 2),
  });
}

async function rollout(policy: GrMappo, steps = 6): Promise<Rollout> {
  const envs = [new ToyCluster(1, 4), new ToyCluster(2, 4)]; // truncates every 4 steps: mid-rollout resets
  let seed = 10;
  return (await _collect(envs, { policy, steps, nextSeed: () => seed++ })).rollout;
}

Deno.test("every variable of actor, critic, encoder and filter gets a gradient; entropy reaches the actor side", async () => {
  const policy = makePolicy(1);
  const r = await rollout(policy);
  const all = policy.gradientNorms(r);
  deepEqual(Object.keys(all).filter((k) => k.startsWith("critic")).length, 5);
  deepEqual(Object.keys(all).filter((k) => k.startsWith("encoder")).length, 2);
  for (const [name, norm] of Object.entries(all)) ok(norm > 0 && Number.isFinite(norm), `${name}: ${norm}`);
  const entropy = policy.gradientNorms(r, { terms: "entropy" });
  for (const [name, norm] of Object.entries(entropy)) {
    if (name.startsWith("critic")) equal(norm, 0, name);
    else ok(norm > 0, `entropy gradient of ${name} is ${norm}`);
  }
  policy.dispose();
});

Deno.test("acting and updating leak no tensors", async () => {
  const policy = makePolicy(2);
  const r = await rollout(policy, 4);
  await policy.update(r); // the first update creates the Adam state
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) await policy.act(r.observations[i % 4]);
  await policy.update(r);
  await policy.explain(r.observations[0][0]);
  equal(tf.memory().numTensors, before);
  policy.dispose();
});

Deno.test("save → load gives identical actions, sampled and deterministic", async () => {
  const dir = await Deno.makeTempDir();
  const a = makePolicy(3);
  await a.update(await rollout(a));
  await a.save(dir);
  const obs = (await rollout(a, 2)).observations[1];
  const b = makePolicy(99); // other initial weights and sampling stream
  await b.load(dir);
  await a.load(dir); // rewind a's sampling stream to the saved state
  deepEqual(await b.act(obs, { deterministic: true }), await a.act(obs, { deterministic: true }));
  deepEqual(await b.act(obs), await a.act(obs));
  const statsA = await a.update(await rollout(a, 3)), statsB = await b.update(await rollout(b, 3));
  deepEqual(statsA, statsB); // optimiser and normaliser states were restored too
  a.dispose();
  b.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loading into another spec is refused with the difference named", async () => {
  const dir = await Deno.makeTempDir();
  const a = makePolicy(4);
  await a.save(dir);
  const spec = { ...new ToyCluster(0, 6).spec, services: ["front", "cart", "search"] };
  const b = makePolicy(4, {}, spec);
  await rejects(
    b.load(dir),
    (e) => e instanceof InputError && /services differ/.test(e.message) && /search/.test(e.message),
  );
  const c = makePolicy(4, { actorHidden: 16 });
  await rejects(c.load(dir), (e) => e instanceof InputError && /actor\/0 has shape/.test(e.message));
  [a, b, c].forEach((p) => p.dispose());
  await Deno.remove(dir, { recursive: true });
});

Deno.test("gradient accumulation over memory-bounded chunks gives the same update", async () => {
  const whole = makePolicy(5), chunked = makePolicy(5, { maxUpdateMemoryMB: 0.05 }); // 2 samples per chunk
  const r = await rollout(whole);
  const a = await whole.update(r), b = await chunked.update(r);
  for (const key of ["policyLoss", "valueLoss", "entropy", "actorGradNorm", "criticGradNorm"]) {
    near(b[key], a[key], 1e-4);
  }
  const tiny = makePolicy(5, { maxUpdateMemoryMB: 0.001 });
  await rejects(tiny.update(r), (e) => e instanceof InputError && /maxUpdateMemoryMB/.test(e.message));
  [whole, chunked, tiny].forEach((p) => p.dispose());
});

Deno.test("learning moves the policy, and deterministic actions respect the mask", async () => {
  const policy = makePolicy(6, { ppoEpochs: 3 });
  const r = await rollout(policy);
  const before = policy.gradientNorms(r)["actor/3"];
  const obs = r.observations[0];
  const first = await policy.act(obs, { deterministic: true });
  for (let i = 0; i < 3; i++) await policy.update(r);
  ok(policy.gradientNorms(r)["actor/3"] !== before);
  for (const [c, action] of (await policy.act(obs, { deterministic: true })).entries()) {
    for (let i = 0; i < action.length; i++) {
      ok(action[i] >= 1 && action[i] <= 5, `copy ${c} target ${action[i]}`);
    }
  }
  ok(first.length === 2);
  policy.dispose();
});

Deno.test("the options schema rejects nonsense with the JSON path", async () => {
  const bad = [{ lr: -1 }, { ppoEpochs: 0 }, { deltas: [0, 0] }, { clip: 2 }, { lerningRate: 1 }];
  for (const options of bad) {
    const data = tinyPipeline("/tmp/x", {
      policy: { plugin: "cma/gr-mappo", options },
    });
    await rejects(
      resolvePipeline(data, { registry: standInRegistry(), file: "/tmp/p.json" }),
      (e) => e instanceof InputError && e.message.includes("/policy/options"),
    );
  }
  const good = await resolvePipeline(tinyPipeline("/tmp/x"), {
    registry: standInRegistry(),
    file: "/tmp/p.json",
  });
  deepEqual(good.config.policy.options.deltas, [-1, 0, 1]);
  equal(good.config.policy.options.lr, 0.0005);
  throws(() => {
    throw new InputError("x");
  });
  notDeepEqual(bad, []);
});

Deno.test("a non-finite loss is refused before any weight changes", async () => {
  const policy = makePolicy(7);
  const r = await rollout(policy, 4);
  const obs = r.observations[0];
  const before = await policy.act(obs, { deterministic: true });
  const dir = await Deno.makeTempDir();
  await policy.save(dir);
  const weights = await Deno.readFile(join(dir, "weights.bin"));
  r.observations[1][0].services[4] = NaN; // a broken observation poisons the loss
  await rejects(policy.update(r), (e) => e instanceof RuntimeError && /non-finite loss/.test(e.message));
  await policy.save(dir);
  deepEqual(await Deno.readFile(join(dir, "weights.bin")), weights);
  deepEqual(await policy.act(obs, { deterministic: true }), before);
  policy.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("with the real attention plugins: attention maps for charts, and every variable learns", async () => {
  const spec = new ToyCluster(0, 6).spec;
  const context = { seed: 8, baseDir: ".", spec };
  const encoder = await dependencyAttentionPlugin.create({ hidden: 8, heads: 2 }, context);
  const filter = await informationAttentionPlugin.create({ hidden: 8, heads: 2 }, {
    ...context,
    inputWidth: 8,
  });
  const policy = new GrMappo({ actorHidden: 8, criticHidden: 8 }, { spec, seed: 8, encoder, filter });
  const r = await rollout(policy, 4);
  const maps = await policy.explain(r.observations[0][0]);
  equal(maps.dependency?.length, 3 * 3 * 3);
  equal(maps.information?.length, 3 * 3);
  for (let row = 0; row < 9; row++) {
    near(maps.dependency!.slice(row * 3, row * 3 + 3).reduce((a, b) => a + b), 1, 1e-5);
  }
  for (let row = 0; row < 3; row++) {
    near(maps.information!.slice(row * 3, row * 3 + 3).reduce((a, b) => a + b), 1, 1e-5);
  }
  for (const [name, norm] of Object.entries(policy.gradientNorms(r))) ok(norm > 0, `${name}: ${norm}`);
  policy.dispose();
});

Deno.test("linear learning-rate decay follows the training progress", async () => {
  const policy = makePolicy(9, { lrDecay: true, lr: 0.001, ppoEpochs: 1 });
  const r = await rollout(policy, 2);
  equal((await policy.update(r)).lr, 0.001);
  policy.setProgress(0.75);
  near((await policy.update(r)).lr, 0.00025, 1e-12);
  policy.dispose();
});
