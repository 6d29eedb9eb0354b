/** Helpers for the simulator tests: small topologies built in code. */
import { createSimulator, parseTopology } from "../../../envs/simulator/mod.ts";
import type { Simulator, SimulatorOptions, TopologySpec } from "../../../envs/simulator/mod.ts";

/** A service with the given rate (req/s per replica) and 0.5 cores. */
export const svc = (name: string, rate = 1000) => ({ name, rate, cpu: 0.5 });

/** A topology from services and edges, entry = the first service. */
export function topology(
  spec: Pick<TopologySpec, "services" | "edges"> & Partial<TopologySpec>,
): TopologySpec {
  return { name: "test", entry: spec.services[0].name, sloMs: 100, stepSeconds: 15, ...spec };
}

/** A simulator on `spec` with a constant, noiseless external load of `rate` req/s at the entry. */
export function simulator(
  spec: TopologySpec,
  options: SimulatorOptions & { rate?: number } = {},
): Promise<Simulator> {
  const { rate = 100, ...rest } = options;
  return createSimulator(
    {
      workload: { type: "constant", rate, noise: 0 },
      ...rest,
      topology: parseTopology(spec, "test topology"),
    },
    { seed: 1, baseDir: ".", episodeLength: 100 },
  );
}

/** The value of a per-service feature of (node, service) in an observation's `services` array. */
export function feature(
  sim: Simulator,
  obs: { services: Float32Array },
  at: { node: number; service: number; name: string },
): number {
  const f = sim.spec.serviceFeatures.length, s = sim.spec.services.length;
  const k = sim.spec.serviceFeatures.indexOf(at.name);
  if (k < 0) throw new Error(`no feature ${at.name}`);
  return obs.services[(at.node * s + at.service) * f + k];
}
