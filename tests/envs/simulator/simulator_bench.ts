/**
 * Simulator speed: node-steps per second on Online Boutique with 4 nodes (3 edge + 1 cloud) under the
 * diurnal workload. A node-step is one node advanced by one control step including its observation,
 * metrics and reward; one iteration below is one control step of all 4 nodes, so
 * node-steps/s = 4 × iter/s. Target: ≥ 200,000 node-steps/s (≥ 50,000 iter/s) on one core.
 */
import { createSimulator } from "../../../envs/simulator/mod.ts";
import type { Simulator } from "../../../envs/simulator/mod.ts";

async function makeBoutique(samples?: number): Promise<{ sim: Simulator; actions: Int32Array[] }> {
  const sim = await createSimulator(
    { topology: "online-boutique", edgeNodes: 3, workload: { type: "diurnal" }, samples },
    { seed: 1, baseDir: ".", episodeLength: 1_000_000_000 },
  );
  const obs = await sim.reset({ seed: 1 });
  // A fixed schedule of actions (each service between 1 and 3 replicas), built before timing.
  const actions = Array.from({ length: 16 }, (_, k) => obs.replicas.map((_, i) => 1 + ((i + k) % 3)));
  return { sim, actions };
}

const boutique = await makeBoutique();
let t = 0;
Deno.bench({
  name: "online-boutique, 3 edge + 1 cloud, diurnal, 64 samples: one step (node-steps/s = 4 × iter/s)",
  group: "simulator",
  baseline: true,
  fn: () => {
    boutique.sim.stepSync(boutique.actions[t++ & 15]);
  },
});

const viaPromise = await makeBoutique();
let u = 0;
Deno.bench({
  name: "the same through the async Environment.step",
  group: "simulator",
  fn: async () => {
    await viaPromise.sim.step(viaPromise.actions[u++ & 15]);
  },
});

const many = await makeBoutique(512);
let v = 0;
Deno.bench({
  name: "the same with 512 latency samples per step",
  group: "simulator",
  fn: () => {
    many.sim.stepSync(many.actions[v++ & 15]);
  },
});
