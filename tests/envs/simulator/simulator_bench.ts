/**
 * Simulator speed: node-steps per second on Online Boutique with 4 nodes (3 edge + 1 cloud) under the
 * diurnal workload. A node-step is one node advanced by one control step including its observation,
 * metrics and reward, so node-steps/s = 4 × steps/s. Target: ≥ 200,000 node-steps/s on one core.
 */
import { createSimulator } from "../../../envs/simulator/mod.ts";
import type { Simulator } from "../../../envs/simulator/mod.ts";

const STEPS = 1000;

async function makeBoutique(samples?: number): Promise<{ sim: Simulator; actions: Int32Array[] }> {
  const sim = await createSimulator(
    { topology: "online-boutique", edgeNodes: 3, workload: { type: "diurnal" }, samples },
    { seed: 1, baseDir: ".", episodeLength: 1_000_000 },
  );
  const obs = await sim.reset({ seed: 1 });
  // A fixed schedule of actions (scale each service between 1 and 3 replicas), built before timing.
  const actions = Array.from({ length: 16 }, (_, k) => obs.replicas.map((_, i) => 1 + ((i + k) % 3)));
  return { sim, actions };
}

const boutique = await makeBoutique();
Deno.bench({
  name: `online-boutique 3 edge + 1 cloud, diurnal, default samples: ${STEPS} steps (× 4 node-steps)`,
  group: "simulator",
  baseline: true,
  fn: () => {
    const { sim, actions } = boutique;
    for (let t = 0; t < STEPS; t++) sim.stepSync(actions[t & 15]);
  },
});

const many = await makeBoutique(1024);
Deno.bench({
  name: `online-boutique, 1024 samples per step: ${STEPS} steps`,
  group: "simulator",
  fn: () => {
    const { sim, actions } = many;
    for (let t = 0; t < STEPS; t++) sim.stepSync(actions[t & 15]);
  },
});

const viaPromise = await makeBoutique();
Deno.bench({
  name: `online-boutique through the async Environment.step: ${STEPS} steps`,
  group: "simulator",
  fn: async () => {
    const { sim, actions } = viaPromise;
    for (let t = 0; t < STEPS; t++) await sim.step(actions[t & 15]);
  },
});
