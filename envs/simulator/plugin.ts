/**
 * The `simulator` environment plugin: its options (a JSON Schema with defaults and descriptions) and
 * {@linkcode createSimulator}, which turns options into a {@linkcode Simulator}.
 *
 * @module
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { InputError } from "../../core/errors.ts";
import { defineEnvironment } from "../../core/plugin.ts";
import type { EnvironmentContext, EnvironmentPlugin, JsonSchema } from "../../core/plugin.ts";
import { buildCluster } from "./cluster.ts";
import type { ClusterOptions } from "./cluster.ts";
import type { RewardWeights } from "./reward.ts";
import { Simulator } from "./simulator.ts";
import type { Topology } from "./topology.ts";
import { loadTopology, TOPOLOGY_NAMES } from "./topology_loader.ts";
import { createWorkload, WORKLOAD_TYPES } from "./workload.ts";
import type { Workload, WorkloadSpec } from "./workload.ts";

/** The plugin's options (what a pipeline's `env.options` holds), see {@linkcode SIMULATOR_OPTIONS_SCHEMA}. */
export interface SimulatorOptions extends ClusterOptions {
  /** Built-in topology name or path to a topology JSON file (or, from code, a built `Topology`). */
  topology?: string | Topology;
  /** Services of the `random` topology. */
  randomServices?: number;
  /** Seed of the `random` topology (default: the run's seed). */
  randomSeed?: number;
  /** The workload spec (or, from code, any `Workload` object). */
  workload?: WorkloadSpec | Workload;
  /** Control steps a new replica takes to become ready. */
  startupDelaySteps?: number;
  /** Start-up delay in seconds instead (rounded up to whole steps); overrides `startupDelaySteps`. */
  startupDelaySeconds?: number;
  /** Seconds per control step. */
  stepSeconds?: number;
  /** End-to-end latency objective in ms. */
  sloMs?: number;
  /** Latency a failed request counts with, in ms. */
  timeoutMs?: number;
  /** Lowest replicas per (node, service). */
  minReplicas?: number;
  /** Highest replicas per (node, service). */
  maxReplicas?: number;
  /** Replicas per (node, service) at reset. */
  initialReplicas?: number;
  /** Reward weights. */
  rewardWeights?: Partial<RewardWeights>;
  /** End-to-end requests sampled per step. */
  samples?: number;
  /** Overrides the pipeline's episode length. */
  episodeLength?: number;
}

const number = (description: string, extra: Record<string, unknown> = {}) => ({
  type: "number",
  description,
  ...extra,
});
const integer = (description: string, extra: Record<string, unknown> = {}) => ({
  type: "integer",
  description,
  ...extra,
});

/** JSON Schema (2020-12) of the simulator's options. */
export const SIMULATOR_OPTIONS_SCHEMA: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    topology: {
      type: "string",
      default: "online-boutique",
      description: `Built-in topology (${TOPOLOGY_NAMES.join(", ")}) or path to a JSON file following ` +
        "envs/simulator/topology.schema.json (relative to the pipeline file).",
    },
    randomServices: integer("Services of the `random` topology.", { minimum: 1, maximum: 200, default: 10 }),
    randomSeed: integer("Seed of the `random` topology (default: the run's seed)."),
    edgeNodes: integer(
      "Edge nodes of a generated layout (plus one cloud node). Default 3, or the topology's own cluster " +
        "(cma-paper: 7 edge + 1 cloud) when it has one and this is not given.",
      { minimum: 1, maximum: 256 },
    ),
    edgeCapacity: integer("Replicas an edge node can host (default 20, or the topology's own).", {
      minimum: 0,
    }),
    cloudCapacity: integer("Replicas the cloud can host (default 100, or the topology's own).", {
      minimum: 0,
    }),
    edgeEdgeMs: number("One-way edge↔edge latency in ms (default 5, or the topology's own).", { minimum: 0 }),
    edgeCloudMs: number("One-way edge↔cloud latency in ms (default 25, or the topology's own).", {
      minimum: 0,
    }),
    hosts: {
      type: "object",
      description: "Services each node may host, by node id (default: every service on every node).",
      additionalProperties: { type: "array", items: { type: "string" }, uniqueItems: true },
    },
    loadSplit: {
      type: "array",
      items: { type: "number", minimum: 0 },
      description: "Relative share of the external load per edge node, in node order (default equal).",
    },
    workload: {
      type: "object",
      default: { type: "diurnal" },
      description: "The external load; rates are req/s in total over the edge nodes. See WorkloadSpec.",
      required: ["type"],
      additionalProperties: false,
      properties: {
        type: { enum: [...WORKLOAD_TYPES], description: "Which workload." },
        rate: number("Base rate in req/s (default: the topology's nominalLoad).", { minimum: 0 }),
        service: {
          type: "string",
          description: "Service the load enters at (default: the topology's entry).",
        },
        noise: number("Relative std of multiplicative noise (default 0.05 for diurnal, else 0).", {
          minimum: 0,
        }),
        amplitude: number("diurnal: relative amplitude 0–1 (default 0.5).", { minimum: 0 }),
        periodSteps: number("diurnal: period in steps (default 96).", { exclusiveMinimum: 0 }),
        peakStep: number("diurnal: step of the peak (default a quarter period)."),
        burstProbability: number("bursty: probability a burst starts at a step (default 0.05).", {
          minimum: 0,
          maximum: 1,
        }),
        burstSteps: integer("bursty: steps a burst lasts (default 5).", { minimum: 1 }),
        multiplier: number("bursty/flash-crowd: load multiplier (default 3 / 5).", { minimum: 0 }),
        startStep: integer("flash-crowd: first step of the crowd (default 20).", { minimum: 0 }),
        durationSteps: integer("flash-crowd: steps it lasts (default 10).", { minimum: 1 }),
        rampSteps: integer("flash-crowd: linear ramp steps at both ends (default 0).", { minimum: 0 }),
        volatility: number("random-walk: std of the log-rate step (default 0.1).", { minimum: 0 }),
        min: number("random-walk: lower bound as a fraction of rate (default 0.2).", { minimum: 0 }),
        max: number("random-walk: upper bound as a fraction of rate (default 3).", { minimum: 0 }),
        path: { type: "string", description: "csv: timestamp,service,rate file (relative to the pipeline)." },
        scale: number("csv: multiplies every rate (default 1).", { minimum: 0 }),
        loop: { type: "boolean", description: "csv: start over after the last timestamp (default true)." },
      },
    },
    startupDelaySteps: integer("Control steps a new replica takes to become ready.", {
      minimum: 0,
      default: 1,
    }),
    startupDelaySeconds: number(
      "Start-up delay in seconds instead (rounded up to whole steps); overrides startupDelaySteps.",
      { minimum: 0 },
    ),
    stepSeconds: number("Seconds per control step (default the topology's, else 15).", {
      exclusiveMinimum: 0,
    }),
    sloMs: number("End-to-end latency objective in ms (default the topology's, else 200).", {
      exclusiveMinimum: 0,
    }),
    timeoutMs: number(
      "Latency a failed request counts with, and the latency cap, in ms (default 10 × sloMs).",
      {
        exclusiveMinimum: 0,
      },
    ),
    minReplicas: integer("Lowest replicas per (node, service).", { minimum: 0, default: 0 }),
    maxReplicas: integer("Highest replicas per (node, service), never above the node's capacity.", {
      minimum: 0,
      default: 20,
    }),
    initialReplicas: integer("Replicas per (node, service) at reset (clamped to capacity).", {
      minimum: 0,
      default: 1,
    }),
    rewardWeights: {
      type: "object",
      default: {},
      additionalProperties: false,
      description: "Weights of the per-node reward −scale·(latency·ℓ + violations·v + drops·d + cost·c + " +
        "churn·h), see envs/simulator/reward.ts.",
      properties: {
        latency: number("Mean latency overshoot beyond the SLO, capped at 1 per request.", { default: 1 }),
        violations: number("Fraction of requests over the SLO or failed.", { default: 1 }),
        drops: number("Fraction of requests that fail.", { default: 1 }),
        cost: number("Share of the node's capacity in use.", { default: 0.5 }),
        churn: number("Replica changes relative to the node's capacity.", { default: 0.1 }),
        team: number("Share of the cluster mean mixed into each node's reward.", {
          minimum: 0,
          maximum: 1,
          default: 0,
        }),
        scale: number("Overall multiplier.", { default: 1 }),
      },
    },
    samples: integer("End-to-end requests sampled per step (percentiles, SLO violations).", {
      minimum: 1,
      maximum: 100000,
      default: 64,
    }),
    episodeLength: integer("Overrides the pipeline's episode length (truncation).", { minimum: 1 }),
  },
};

let validate: ValidateFunction | undefined;

/**
 * Makes a {@linkcode Simulator} from plugin options (validated here too, defaults filled in, so it can be
 * called directly). `topology` and `workload` may also be objects made in code.
 */
export async function createSimulator(
  options: SimulatorOptions,
  context: EnvironmentContext,
): Promise<Simulator> {
  const { topology: topoOption, workload: workloadOption, ...rest } = options;
  const plain: Record<string, unknown> = { ...rest };
  if (typeof topoOption === "string") plain.topology = topoOption;
  if (workloadOption !== undefined && !isWorkload(workloadOption)) {
    plain.workload = structuredClone(workloadOption);
  }
  validate ??= new Ajv2020({ allErrors: true, useDefaults: true, strict: false }).compile(
    SIMULATOR_OPTIONS_SCHEMA,
  );
  if (!validate(plain)) {
    const lines = (validate.errors ?? []).map((e) => {
      if (e.keyword === "additionalProperties") {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        return `simulator options: ${e.instancePath}/${key} is not a known option`;
      }
      if (e.keyword === "enum") {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) =>
          JSON.stringify(v)
        );
        return `simulator options: ${e.instancePath} must be one of ${allowed.join(", ")}`;
      }
      return `simulator options: ${e.instancePath || "/"} ${e.message}`;
    });
    throw new InputError([...new Set(lines)].join("\n"));
  }
  const o = plain as unknown as SimulatorOptions & { workload: WorkloadSpec; topology: string };
  const topology = typeof topoOption === "object" ? topoOption : await loadTopology(o.topology, {
    baseDir: context.baseDir,
    random: { services: o.randomServices, seed: o.randomSeed ?? context.seed },
  });
  const cluster = buildCluster(topology, o);
  const stepSeconds = o.stepSeconds ?? topology.spec.stepSeconds ?? 15;
  const workload = isWorkload(workloadOption)
    ? workloadOption
    : await createWorkload(o.workload, { topology, stepSeconds, baseDir: context.baseDir });
  const startupDelaySteps = o.startupDelaySeconds !== undefined
    ? Math.ceil(o.startupDelaySeconds / stepSeconds - 1e-9)
    : o.startupDelaySteps;
  return new Simulator({
    topology,
    cluster,
    workload,
    seed: context.seed,
    episodeLength: o.episodeLength ?? context.episodeLength,
    stepSeconds,
    sloMs: o.sloMs,
    timeoutMs: o.timeoutMs,
    startupDelaySteps,
    minReplicas: o.minReplicas,
    maxReplicas: o.maxReplicas,
    initialReplicas: o.initialReplicas,
    samples: o.samples,
    rewardWeights: o.rewardWeights,
  });
}

function isWorkload(value: unknown): value is Workload {
  return typeof (value as Workload | undefined)?.externalRates === "function" &&
    typeof (value as Workload).reset === "function";
}

/**
 * The `simulator` environment plugin: a fast, seeded model of microservices on edge and cloud nodes
 * (M/M/c queues per node and service, load along the call graph, sampled end-to-end latency).
 */
export const simulatorPlugin: EnvironmentPlugin<SimulatorOptions> = defineEnvironment<SimulatorOptions>({
  name: "simulator",
  description: "Fast, seeded edge-cloud microservice simulator: M/M/c queues per node and service, load " +
    "propagated along the call graph, remote calls paying link latency, sampled end-to-end latency.",
  options: SIMULATOR_OPTIONS_SCHEMA,
  create: (options, context) => createSimulator(options, context),
});
