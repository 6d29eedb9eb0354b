/**
 * The `simulator` environment: a fast, seeded model of microservices on edge and cloud nodes.
 *
 * - Register {@linkcode simulatorPlugin} (name `simulator`) to use it from a pipeline.
 * - Reuse the model from code: load a topology ({@linkcode loadTopology}, {@linkcode parseTopology} for
 *   JSON made in code), lay out a cluster ({@linkcode buildCluster}), bring your own
 *   {@linkcode Workload} (any object with `reset(rng)` and `externalRates(step, out)`), and construct a
 *   {@linkcode Simulator} — this is how the trace-replay environment drives the model with recorded
 *   traffic.
 *
 * Topology files follow `topology.schema.json` (exported as {@linkcode TOPOLOGY_SCHEMA}); the response
 * time of each service follows {@linkcode erlangC} and the M/M/c formulas of `queueing.ts`; the reward
 * formula is documented in `reward.ts`.
 *
 * @example Drive the model with your own workload
 * ```ts
 * import { buildCluster, loadTopology, Simulator } from "./mod.ts";
 * import type { Workload } from "./mod.ts";
 *
 * const topology = await loadTopology("sock-shop");
 * const steady: Workload = {
 *   reset() {},
 *   externalRates(_step, out) {
 *     out.fill(0);
 *     out[topology.entry] = 150; // req/s entering at the entry service
 *   },
 * };
 * const sim = new Simulator({ topology, workload: steady, cluster: buildCluster(topology, { edgeNodes: 2 }) });
 * const obs = await sim.reset({ seed: 1 });
 * const { metrics, rewards } = await sim.step(obs.replicas.map((r) => r + 1));
 * console.assert(rewards.length === 3 && metrics.load === 150);
 * ```
 *
 * @module
 */
export { createSimulator, SIMULATOR_OPTIONS_SCHEMA, simulatorPlugin } from "./plugin.ts";
export type { SimulatorOptions } from "./plugin.ts";
export { Simulator, SIMULATOR_NODE_FEATURES, SIMULATOR_SERVICE_FEATURES } from "./simulator.ts";
export type { SimulatorConfig } from "./simulator.ts";
export { buildTopology } from "./topology.ts";
export type {
  CallEdge,
  CallEdgeSpec,
  ClusterNodeSpec,
  ClusterSpec,
  ServiceSpec,
  Topology,
  TopologySpec,
} from "./topology.ts";
export {
  BUILTIN_TOPOLOGIES,
  loadTopology,
  parseTopology,
  TOPOLOGY_NAMES,
  TOPOLOGY_SCHEMA,
} from "./topology_loader.ts";
export type { LoadTopologyOptions } from "./topology_loader.ts";
export { randomTopology } from "./random_topology.ts";
export type { RandomTopologyOptions } from "./random_topology.ts";
export { buildCluster, CLUSTER_DEFAULTS } from "./cluster.ts";
export type { ClusterLayout, ClusterOptions } from "./cluster.ts";
export { createWorkload, WORKLOAD_TYPES } from "./workload.ts";
export type { Workload, WorkloadContext, WorkloadSpec, WorkloadType } from "./workload.ts";
export {
  BurstyWorkload,
  ConstantWorkload,
  DiurnalWorkload,
  FlashCrowdWorkload,
  RandomWalkWorkload,
} from "./synthetic_workloads.ts";
export type {
  BurstyOptions,
  DiurnalOptions,
  FlashCrowdOptions,
  RandomWalkOptions,
  SyntheticOptions,
} from "./synthetic_workloads.ts";
export { CsvWorkload, loadCsvWorkload, parseCsvWorkload } from "./csv_workload.ts";
export type { CsvWorkloadOptions } from "./csv_workload.ts";
export {
  emptyMmcSolution,
  erlangC,
  MAX_UTILIZATION,
  responsePercentile,
  responseTail,
  solveMmc,
} from "./queueing.ts";
export type { MmcQueue, MmcSolution } from "./queueing.ts";
export { DEFAULT_REWARD_WEIGHTS, nodeReward } from "./reward.ts";
export type { RewardTerms, RewardWeights } from "./reward.ts";
