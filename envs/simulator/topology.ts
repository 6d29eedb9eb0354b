/**
 * Topologies: the services of a microservice application, the call graph between them and, optionally,
 * the cluster they run on. The JSON form ({@linkcode TopologySpec}) is documented by
 * `topology.schema.json` beside this file; {@linkcode buildTopology} checks what the schema cannot (names,
 * cycles) and holds the call graph in a graphology `DirectedGraph`.
 *
 * @module
 */
import graphology from "graphology";
import type { DirectedGraph } from "graphology";
import { InputError } from "../../core/errors.ts";
import type { NodeKind } from "../../core/environment.ts";

/** One service of the application. */
export interface ServiceSpec {
  /** Unique service name. */
  name: string;
  /** Requests per second one replica serves (μ); the mean service time is `1/rate` seconds. */
  rate: number;
  /** CPU cores one replica reserves. */
  cpu: number;
  /** Free text. */
  description?: string;
}

/** One edge of the call graph: `from` calls `to` `calls` times per request it serves. */
export interface CallEdgeSpec {
  /** The caller. */
  from: string;
  /** The callee. */
  to: string;
  /** Calls per request the caller serves (default 1; fractional = a probability of calling). */
  calls?: number;
  /** Made concurrently with the caller's other parallel calls (default false: one after another). */
  parallel?: boolean;
}

/** One node of a cluster layout given in a topology file. */
export interface ClusterNodeSpec {
  /** Unique node id. */
  id: string;
  /** Edge servers receive the external load; the cloud is large and far. */
  kind: NodeKind;
  /** Most replicas, over all services, the node can host. */
  capacity: number;
  /** Services the node may host (default all). */
  services?: string[];
  /** Relative share of the external load entering at this edge node (default equal). */
  loadShare?: number;
}

/** A cluster layout given in a topology file. */
export interface ClusterSpec {
  /** The nodes, in agent order. */
  nodes: ClusterNodeSpec[];
  /** One-way edge↔edge latency in ms. */
  edgeEdgeMs?: number;
  /** One-way edge↔cloud latency in ms. */
  edgeCloudMs?: number;
  /** Explicit one-way latency matrix in ms (`null` = no direct link); overrides the two above. */
  linksMs?: (number | null)[][];
}

/** The JSON form of a topology, as `topology.schema.json` describes it. */
export interface TopologySpec {
  /** Name of the application. */
  name: string;
  /** Free text. */
  description?: string;
  /** The service external requests enter at. */
  entry: string;
  /** Default end-to-end latency objective in ms. */
  sloMs?: number;
  /** Default control-step length in seconds. */
  stepSeconds?: number;
  /** Typical external load in req/s (the built-in workloads' default base rate). */
  nominalLoad?: number;
  /** The services, in service order. */
  services: ServiceSpec[];
  /** The call graph, acyclic. */
  edges: CallEdgeSpec[];
  /** The cluster this topology comes with, if any. */
  cluster?: ClusterSpec;
}

/** A call-graph edge with its defaults filled in and services as indices. */
export interface CallEdge {
  /** Index of the caller. */
  from: number;
  /** Index of the callee. */
  to: number;
  /** Calls per request the caller serves. */
  calls: number;
  /** Concurrent with the caller's other parallel calls. */
  parallel: boolean;
}

/** A checked topology, ready for the simulator. */
export interface Topology {
  /** The JSON it was built from. */
  spec: TopologySpec;
  /** Where it came from (file path or built-in name), for error messages. */
  source: string;
  /** Service names in service order. */
  services: string[];
  /** Index of the entry service. */
  entry: number;
  /** Per-replica service rate μ per service, req/s. */
  rates: Float64Array;
  /** CPU cores per replica per service. */
  cpu: Float64Array;
  /** Call edges, in the file's order. */
  edges: CallEdge[];
  /** Service indices in topological order (every caller before its callees). */
  order: Int32Array;
  /** The call graph: nodes are service names, edges carry `calls` and `parallel` attributes. */
  graph: DirectedGraph;
}

/**
 * Checks a topology that already passed `topology.schema.json` (see `loadTopology`) for what the schema
 * cannot express (unique and known names, an acyclic call graph) and builds the {@linkcode Topology}.
 * Errors are {@linkcode InputError}s naming `source` and the JSON path (e.g. `/edges/3/to`).
 */
export function buildTopology(spec: TopologySpec, source: string): Topology {
  const fail = (path: string, message: string): never => {
    throw new InputError(`${source}: ${path} ${message}`);
  };
  const graph: DirectedGraph = new graphology.DirectedGraph();
  const index = new Map<string, number>();
  spec.services.forEach((service, i) => {
    if (index.has(service.name)) fail(`/services/${i}/name`, `"${service.name}" is a duplicate service name`);
    index.set(service.name, i);
    graph.addNode(service.name, { index: i });
  });
  const known = (name: string, path: string): number =>
    index.get(name) ??
      fail(path, `"${name}" is not a service (known: ${spec.services.map((s) => s.name).join(", ")})`);
  const entry = known(spec.entry, "/entry");
  const edges: CallEdge[] = spec.edges.map((edge, i) => {
    const from = known(edge.from, `/edges/${i}/from`);
    const to = known(edge.to, `/edges/${i}/to`);
    if (from === to) fail(`/edges/${i}`, `"${edge.from}" calls itself`);
    if (graph.hasEdge(edge.from, edge.to)) {
      fail(`/edges/${i}`, `duplicates the call ${edge.from} -> ${edge.to}`);
    }
    const calls = edge.calls ?? 1, parallel = edge.parallel ?? false;
    graph.addDirectedEdge(edge.from, edge.to, { calls, parallel });
    return { from, to, calls, parallel };
  });
  const order = topologicalOrder(graph, index) ??
    fail("/edges", "form a cycle: the call graph must be acyclic");
  if (spec.cluster) checkClusterNames(spec, { index, fail });
  return {
    spec,
    source,
    services: spec.services.map((s) => s.name),
    entry,
    rates: Float64Array.from(spec.services, (s) => s.rate),
    cpu: Float64Array.from(spec.services, (s) => s.cpu),
    edges,
    order,
    graph,
  };
}

/** Kahn's algorithm over the graph; undefined when there is a cycle. Ties keep the service order. */
function topologicalOrder(graph: DirectedGraph, index: Map<string, number>): Int32Array | undefined {
  const n = graph.order;
  const indegree = new Int32Array(n);
  graph.forEachNode((name) => indegree[index.get(name)!] = graph.inDegree(name));
  const names = [...index.keys()];
  const order = new Int32Array(n);
  let count = 0;
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) ready.push(i);
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const s = ready.shift()!;
    order[count++] = s;
    graph.forEachOutNeighbor(names[s], (callee) => {
      const t = index.get(callee)!;
      if (--indegree[t] === 0) ready.push(t);
    });
  }
  return count === n ? order : undefined;
}

function checkClusterNames(
  spec: TopologySpec,
  ctx: { index: Map<string, number>; fail: (path: string, message: string) => never },
): void {
  const cluster = spec.cluster!;
  const ids = new Set<string>();
  cluster.nodes.forEach((node, i) => {
    if (ids.has(node.id)) ctx.fail(`/cluster/nodes/${i}/id`, `"${node.id}" is a duplicate node id`);
    ids.add(node.id);
    node.services?.forEach((name, j) => {
      if (!ctx.index.has(name)) ctx.fail(`/cluster/nodes/${i}/services/${j}`, `"${name}" is not a service`);
    });
  });
  if (!cluster.nodes.some((n) => n.kind === "edge")) {
    ctx.fail("/cluster/nodes", "must have at least one edge node (external load enters at edge nodes)");
  }
  if (cluster.linksMs) {
    const a = cluster.nodes.length;
    if (cluster.linksMs.length !== a) ctx.fail("/cluster/linksMs", `must have ${a} rows, one per node`);
    cluster.linksMs.forEach((row, i) => {
      if (row.length !== a) ctx.fail(`/cluster/linksMs/${i}`, `must have ${a} columns, one per node`);
    });
  }
}
