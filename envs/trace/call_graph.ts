/**
 * The call graph of a trace as a graphology directed graph. Nodes are services with their traffic;
 * an edge caller→callee carries `weight` = calls made per request the caller serves (calls
 * caller→callee divided by requests the caller served), the simulator's meaning.
 *
 * @module
 */
import graphology from "graphology";
import { InputError } from "../../core/errors.ts";
import type { TrafficCounter } from "./traffic_counter.ts";

/** A directed call graph with {@linkcode ServiceAttributes} nodes and {@linkcode CallAttributes} edges. */
export type CallGraph = InstanceType<typeof graphology.DirectedGraph>;

/** Attributes of a service node. */
export interface ServiceAttributes {
  /** Requests the service served in the whole trace (entry and internal calls). */
  served: number;
  /** External requests that entered the cluster at the service. */
  external: number;
  /** Mean response time of the calls into it in ms (NaN when unknown). */
  meanRtMs: number;
}

/** Attributes of a call edge. */
export interface CallAttributes {
  /** Calls caller→callee in the whole trace (NaN when only the ratio is known). */
  calls: number;
  /** Calls made per request the caller serves. */
  weight: number;
}

/** A call edge as `[caller, callee, callsPerRequest]`. */
export type TraceEdge = [string, string, number];

/**
 * Builds the call graph of counted traffic. Services are added busiest first (ties by name); the
 * weight of an edge divides its calls by the requests the caller served (at least 1).
 */
export function callGraphOf(counter: TrafficCounter): CallGraph {
  const graph: CallGraph = new graphology.DirectedGraph();
  const order = counter.services.map((_, i) => i).sort((a, b) =>
    counter.served[b] - counter.served[a] || compare(counter.services[a], counter.services[b])
  );
  for (const i of order) {
    const attributes: ServiceAttributes = {
      served: counter.served[i],
      external: counter.external[i],
      meanRtMs: counter.rtCount[i] > 0 ? counter.rtSum[i] / counter.rtCount[i] : NaN,
    };
    graph.addNode(counter.services[i], attributes);
  }
  const keys = [...counter.calls.keys()].sort((a, b) => a - b);
  for (const key of keys) {
    const calls = counter.calls.get(key)!;
    const caller = Math.floor(key / 2097152), callee = key % 2097152;
    const attributes: CallAttributes = { calls, weight: calls / Math.max(1, counter.served[caller]) };
    graph.addDirectedEdge(counter.services[caller], counter.services[callee], attributes);
  }
  return graph;
}

/**
 * Builds a call graph from service names and `[caller, callee, callsPerRequest]` edges (e.g. a plain
 * CSV edges file); an edge naming an unknown service adds it. Throws an {@linkcode InputError} on a
 * repeated edge or a self loop, naming `source`.
 */
export function callGraphFromEdges(
  services: readonly string[],
  options: { edges: readonly TraceEdge[]; source: string },
): CallGraph {
  const graph: CallGraph = new graphology.DirectedGraph();
  const add = (name: string) => {
    if (!graph.hasNode(name)) graph.addNode(name, { served: NaN, external: NaN, meanRtMs: NaN });
  };
  services.forEach(add);
  for (const [caller, callee, weight] of options.edges) {
    if (caller === callee) throw new InputError(`${options.source}: self call ${caller}→${callee}`);
    add(caller);
    add(callee);
    if (graph.hasEdge(caller, callee)) {
      throw new InputError(`${options.source}: edge ${caller}→${callee} appears twice`);
    }
    graph.addDirectedEdge(caller, callee, { calls: NaN, weight });
  }
  return graph;
}

/**
 * The sub-graph of the `k` busiest services (most requests served, ties by name) and the edges between
 * them, weights unchanged; the whole graph (a copy) when `k` is 0 or at least the number of services.
 */
export function topServices(graph: CallGraph, k: number): CallGraph {
  if (!(Number.isInteger(k) && k >= 0)) throw new InputError(`topK must be an integer >= 0 (got ${k})`);
  const nodes = graph.nodes();
  if (k === 0 || k >= nodes.length) return graph.copy();
  const keep = nodes
    .map((name) => ({ name, served: graph.getNodeAttribute(name, "served") as number }))
    .sort((a, b) => b.served - a.served || compare(a.name, b.name))
    .slice(0, k)
    .map((n) => n.name);
  const kept = new Set(keep);
  const sub: CallGraph = new graphology.DirectedGraph();
  for (const name of keep) sub.addNode(name, { ...graph.getNodeAttributes(name) });
  graph.forEachEdge((_edge, attributes, caller, callee) => {
    if (kept.has(caller) && kept.has(callee)) sub.addDirectedEdge(caller, callee, { ...attributes });
  });
  return sub;
}

/** The edges of a call graph as `[caller, callee, callsPerRequest]`, sorted by caller then callee. */
export function graphEdges(graph: CallGraph): TraceEdge[] {
  const edges: TraceEdge[] = graph.mapEdges((_e, attributes, caller, callee) =>
    [caller, callee, attributes.weight as number] as TraceEdge
  );
  return edges.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
}

/**
 * Splits edges into an acyclic set and the edges that would close a cycle (the simulator needs a call
 * DAG). A depth-first search visits services in the given order (busiest first) and callees in edge
 * order; an edge back to a service on the current path is dropped.
 */
export function acyclicEdges(
  services: readonly string[],
  edges: readonly TraceEdge[],
): { kept: TraceEdge[]; dropped: TraceEdge[] } {
  const out = new Map<string, TraceEdge[]>(services.map((s) => [s, []]));
  for (const e of edges) out.get(e[0])?.push(e);
  const state = new Map<string, 1 | 2>(); // 1 = on the path, 2 = done
  const dropped = new Set<TraceEdge>();
  const visit = (name: string) => {
    state.set(name, 1);
    for (const e of out.get(name) ?? []) {
      const next = state.get(e[1]);
      if (next === 1) dropped.add(e);
      else if (next === undefined) visit(e[1]);
    }
    state.set(name, 2);
  };
  for (const s of services) if (!state.has(s)) visit(s);
  return { kept: edges.filter((e) => !dropped.has(e)), dropped: edges.filter((e) => dropped.has(e)) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
