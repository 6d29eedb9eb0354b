/**
 * The `trace` environment: replays a recorded trace's request rates through the simulator's model. The
 * trace gives the services, the call graph (edge weight = calls per request the caller serves; edges
 * closing a cycle are dropped, since the model needs a call DAG) and the external rates per service;
 * the simulator gives replicas, queues, latency, rewards and the observation.
 *
 * @module
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { isAbsolute, resolve } from "node:path";
import { InputError } from "../../core/errors.ts";
import { defineEnvironment } from "../../core/plugin.ts";
import type { EnvironmentContext, EnvironmentPlugin, JsonSchema } from "../../core/plugin.ts";
import { buildTopology, createSimulator, SIMULATOR_OPTIONS_SCHEMA } from "../simulator/mod.ts";
import type { Simulator, SimulatorOptions, Topology, TopologySpec } from "../simulator/mod.ts";
import { acyclicEdges } from "./call_graph.ts";
import { loadTrace } from "./trace_data.ts";
import type { LoadTraceOptions, TraceData } from "./trace_data.ts";
import { TraceWorkload } from "./trace_workload.ts";

/** The options of the `trace` environment (see {@linkcode TRACE_OPTIONS_SCHEMA} for defaults). */
export interface TraceEnvironmentOptions
  extends Omit<SimulatorOptions, "topology" | "workload" | "randomServices" | "randomSeed"> {
  /** The trace: a file, a `.gz` file or a folder of parts (relative to the pipeline's folder). */
  path: string;
  /** Plain traces: `caller,callee,calls_per_request` file. */
  edges?: string;
  /** An MCR/RT table giving the services' response times (for `serviceRateFromTrace`). */
  responseTimes?: string;
  /** Width of a rate bucket in ms. */
  bucketMs?: number;
  /** A call-graph trace closes once no row of it came for this long (ms of trace time). */
  traceWindowMs?: number;
  /** Keep only the `topK` busiest services (0 keeps all). */
  topK?: number;
  /** Trace seconds replayed per simulated second. */
  speedUp?: number;
  /** Trace time skipped before the first episode start (ms). */
  startOffsetMs?: number;
  /** Each episode starts at a seeded random point of the trace (else at the offset). */
  randomStart?: boolean;
  /** Multiplies every replayed rate. */
  rateScale?: number;
  /** Requests per second one replica serves. */
  serviceRate?: number;
  /** Use 1000 / (mean response time in ms) as the service rate where the trace knows it. */
  serviceRateFromTrace?: boolean;
  /** CPU cores one replica reserves. */
  cpu?: number;
  /** Model a caller's calls as parallel (default: one after another). */
  parallelCalls?: boolean;
}

const SIMULATOR_ONLY = new Set(["topology", "workload", "randomServices", "randomSeed"]);
const simulatorProperties = Object.fromEntries(
  Object.entries((SIMULATOR_OPTIONS_SCHEMA as { properties: Record<string, unknown> }).properties)
    .filter(([name]) => !SIMULATOR_ONLY.has(name)),
);

/** JSON Schema (2020-12) of the `trace` environment's options: its own plus the simulator's cluster ones. */
export const TRACE_OPTIONS_SCHEMA: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["path"],
  properties: {
    path: {
      type: "string",
      minLength: 1,
      description: "The trace: a .csv or .csv.gz file or a folder of parts, relative to the pipeline file. " +
        "Alibaba v2021 MS_CallGraph, v2022 CallGraph, or plain timestamp,service,rate.",
    },
    edges: { type: "string", description: "Plain traces: caller,callee,calls_per_request file." },
    responseTimes: {
      type: "string",
      description: "An MCR/RT table (v2021 MS_MCR_RT or v2022 MSRTMCR) giving provider response times " +
        "(used with serviceRateFromTrace; otherwise the call graph's rt values are used).",
    },
    bucketMs: { type: "number", exclusiveMinimum: 0, default: 1000, description: "Rate bucket width in ms." },
    traceWindowMs: {
      type: "number",
      minimum: 0,
      default: 10000,
      description: "A call-graph trace closes after this many ms of trace time without a row of it; " +
        "later rows count as late.",
    },
    topK: {
      type: "integer",
      minimum: 0,
      default: 20,
      description: "Keep only the K busiest services (0 keeps all).",
    },
    speedUp: {
      type: "number",
      exclusiveMinimum: 0,
      default: 1,
      description: "Trace seconds replayed per simulated second.",
    },
    startOffsetMs: {
      type: "number",
      minimum: 0,
      default: 0,
      description: "Trace time skipped before the first episode start, in ms.",
    },
    randomStart: {
      type: "boolean",
      default: true,
      description: "Start each episode at a seeded random point of the trace (else at startOffsetMs).",
    },
    rateScale: { type: "number", minimum: 0, default: 1, description: "Multiplies every replayed rate." },
    serviceRate: {
      type: "number",
      exclusiveMinimum: 0,
      default: 100,
      description: "Requests per second one replica serves.",
    },
    serviceRateFromTrace: {
      type: "boolean",
      default: false,
      description: "Use 1000 / mean response time (ms) as the service rate where the trace knows it.",
    },
    cpu: {
      type: "number",
      exclusiveMinimum: 0,
      default: 0.5,
      description: "CPU cores one replica reserves.",
    },
    parallelCalls: {
      type: "boolean",
      default: false,
      description: "Model a caller's calls as parallel (default: one after another).",
    },
    ...simulatorProperties,
  },
};

let validate: ValidateFunction | undefined;
const cache = new Map<string, Promise<TraceData>>();

/** Loads a trace once per process for the same path and options (environment copies share it). */
function cachedTrace(path: string, options: LoadTraceOptions): Promise<TraceData> {
  const key = JSON.stringify([path, options]);
  let data = cache.get(key);
  if (data === undefined) {
    data = loadTrace(path, options);
    cache.set(key, data);
    data.catch(() => cache.delete(key));
  }
  return data;
}

/** The simulator topology of a loaded trace (busiest entry service as `entry`). */
export function traceTopology(data: TraceData, options: TraceEnvironmentOptions): Topology {
  const s = data.services.length;
  if (s === 0) throw new InputError(`trace ${options.path}: no service left after cleaning`);
  const totals = new Float64Array(s);
  for (let i = 0; i < data.external.length; i++) totals[i % s] += data.external[i];
  let entry = 0;
  for (let j = 1; j < s; j++) if (totals[j] > totals[entry]) entry = j;
  if (!(totals[entry] > 0)) {
    throw new InputError(
      `trace ${options.path}: no external requests to replay (an MCR/RT table only gives response times)`,
    );
  }
  const base = options.serviceRate ?? 100;
  const services = data.services.map((name, j) => {
    const rt = data.responseTimeMs[j];
    const rate = options.serviceRateFromTrace && rt > 0 ? Math.min(10_000, Math.max(0.1, 1000 / rt)) : base;
    return { name, rate, cpu: options.cpu ?? 0.5 };
  });
  const { kept } = acyclicEdges(data.services, data.edges);
  const spec: TopologySpec = {
    name: `trace:${options.path}`,
    entry: data.services[entry],
    stepSeconds: options.stepSeconds ?? 15,
    nominalLoad: (totals.reduce((a, b) => a + b, 0) / Math.max(1, data.buckets)) * (options.rateScale ?? 1),
    services,
    edges: kept.map(([from, to, calls]) => ({ from, to, calls, parallel: options.parallelCalls ?? false })),
  };
  if (options.sloMs !== undefined) spec.sloMs = options.sloMs;
  return buildTopology(spec, `trace ${options.path}`);
}

/**
 * Makes the trace-replay environment (a {@linkcode Simulator} driven by a {@linkcode TraceWorkload}).
 * Options are validated here too (defaults filled in), so it can be called directly.
 */
export async function createTraceEnvironment(
  options: TraceEnvironmentOptions,
  context: EnvironmentContext,
): Promise<Simulator> {
  const o = structuredClone(options) as TraceEnvironmentOptions;
  validate ??= new Ajv2020({ allErrors: true, useDefaults: true, strict: false }).compile(
    TRACE_OPTIONS_SCHEMA,
  );
  if (!validate(o)) {
    const lines = (validate.errors ?? []).map((e) => {
      const extra = e.keyword === "additionalProperties"
        ? `/${(e.params as { additionalProperty: string }).additionalProperty} is not a known option`
        : ` ${e.message}`;
      return `trace options: ${e.instancePath || "/"}${extra}`;
    });
    throw new InputError([...new Set(lines)].join("\n"));
  }
  const at = (p: string | undefined) =>
    p === undefined ? undefined : isAbsolute(p) ? p : resolve(context.baseDir, p);
  const data = await cachedTrace(at(o.path)!, {
    edges: at(o.edges),
    responseTimes: at(o.responseTimes),
    bucketMs: o.bucketMs,
    traceWindowMs: o.traceWindowMs,
    topK: o.topK,
  });
  const topology = traceTopology(data, o);
  const stepSeconds = o.stepSeconds ?? 15;
  const episodeLength = o.episodeLength ?? context.episodeLength;
  const workload = new TraceWorkload(data, {
    stepSeconds,
    speedUp: o.speedUp,
    startOffsetMs: o.startOffsetMs,
    episodeLength,
    randomStart: o.randomStart,
    rateScale: o.rateScale,
  });
  const {
    path: _p,
    edges: _e,
    responseTimes: _r,
    bucketMs: _b,
    traceWindowMs: _w,
    topK: _k,
    speedUp: _s,
    startOffsetMs: _o,
    randomStart: _rs,
    rateScale: _rc,
    serviceRate: _sr,
    serviceRateFromTrace: _sf,
    cpu: _c,
    parallelCalls: _pc,
    ...simulator
  } = o;
  return await createSimulator({ ...simulator, stepSeconds, topology, workload }, context);
}

/** The `trace` environment plugin: replays Alibaba microservice traces or plain CSV rates through the simulator. */
export const tracePlugin: EnvironmentPlugin<TraceEnvironmentOptions> = defineEnvironment<
  TraceEnvironmentOptions
>({
  name: "trace",
  description:
    "Replays recorded traffic (Alibaba v2021/v2022 microservice traces or plain timestamp,service," +
    "rate CSV, cleaned and streamed) through the simulator's model of edge and cloud nodes.",
  options: TRACE_OPTIONS_SCHEMA,
  create: (options, context) => createTraceEnvironment(options, context),
});
