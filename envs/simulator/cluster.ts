/**
 * Cluster layouts: the nodes (agents) the services run on, what each may host, the network between them
 * and how the external load splits over the edge nodes.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";
import type { NodeInfo } from "../../core/environment.ts";
import type { ClusterNodeSpec, Topology } from "./topology.ts";

/** Options that build or adjust a cluster layout (the simulator plugin's options of the same names). */
export interface ClusterOptions {
  /**
   * Number of edge nodes of a generated layout (`edge-0`, …, plus one `cloud`). Given, it replaces the
   * topology's own cluster; default 3 when the topology has none.
   */
  edgeNodes?: number;
  /** Capacity (replicas) of every edge node; default 20 (or the topology's own). */
  edgeCapacity?: number;
  /** Capacity (replicas) of the cloud; default 100 (or the topology's own). */
  cloudCapacity?: number;
  /** One-way edge↔edge latency in ms; default 5 (or the topology's own). */
  edgeEdgeMs?: number;
  /** One-way edge↔cloud latency in ms; default 25 (or the topology's own). */
  edgeCloudMs?: number;
  /** Services each node may host, by node id (default: every service everywhere). */
  hosts?: Record<string, string[]>;
  /** Relative share of the external load per edge node, in node order (default equal). */
  loadSplit?: number[];
}

/** A resolved cluster layout. `A` = number of nodes, `S` = number of services. */
export interface ClusterLayout {
  /** The nodes (agents) in order. */
  nodes: NodeInfo[];
  /** 1 where node `a` may host service `s`, `[A,S]`. */
  hosts: Uint8Array;
  /** Direct one-way latency in ms, `[A,A]`; 0 on the diagonal and where there is no link. */
  links: Float32Array;
  /** 1 where two nodes have a direct link (diagonal 1), `[A,A]`. */
  linkMask: Uint8Array;
  /** Shortest-path one-way latency in ms, `[A,A]`; `Infinity` when unreachable. Calls route over it. */
  distance: Float64Array;
  /** Fraction of the external load entering at each node, `[A]`; sums to 1 over the edge nodes, 0 elsewhere. */
  loadShare: Float64Array;
}

/** Default layout values (used when neither the options nor the topology give one). */
export const CLUSTER_DEFAULTS = {
  edgeNodes: 3,
  edgeCapacity: 20,
  cloudCapacity: 100,
  edgeEdgeMs: 5,
  edgeCloudMs: 25,
} as const;

/**
 * Builds the layout: the topology's own `cluster` unless `options.edgeNodes` is given (or the topology
 * has none), in which case `edgeNodes` edge nodes plus one cloud node. Capacity and latency options
 * override the topology's values for every node of that kind. Bad options are {@linkcode InputError}s
 * naming the option.
 */
export function buildCluster(topology: Topology, options: ClusterOptions = {}): ClusterLayout {
  const own = topology.spec.cluster;
  const generated = options.edgeNodes !== undefined || own === undefined;
  const edgeEdgeMs = options.edgeEdgeMs ?? own?.edgeEdgeMs ?? CLUSTER_DEFAULTS.edgeEdgeMs;
  const edgeCloudMs = options.edgeCloudMs ?? own?.edgeCloudMs ?? CLUSTER_DEFAULTS.edgeCloudMs;
  let specs: ClusterNodeSpec[];
  if (generated) {
    const edges = options.edgeNodes ?? CLUSTER_DEFAULTS.edgeNodes;
    if (!Number.isInteger(edges) || edges < 1) {
      throw new InputError(`options.edgeNodes must be an integer ≥ 1`);
    }
    const edgeCap = options.edgeCapacity ?? CLUSTER_DEFAULTS.edgeCapacity;
    const cloudCap = options.cloudCapacity ?? CLUSTER_DEFAULTS.cloudCapacity;
    specs = [
      ...Array.from(
        { length: edges },
        (_, i) => ({ id: `edge-${i}`, kind: "edge" as const, capacity: edgeCap }),
      ),
      { id: "cloud", kind: "cloud", capacity: cloudCap },
    ];
  } else {
    specs = own!.nodes.map((n) => ({
      ...n,
      capacity: (n.kind === "edge" ? options.edgeCapacity : options.cloudCapacity) ?? n.capacity,
    }));
  }
  for (const key of ["edgeCapacity", "cloudCapacity", "edgeEdgeMs", "edgeCloudMs"] as const) {
    const v = options[key];
    if (v !== undefined && !(v >= 0)) throw new InputError(`options.${key} must be a number ≥ 0 (got ${v})`);
  }
  const a = specs.length;
  const nodes: NodeInfo[] = specs.map((n) => ({ id: n.id, kind: n.kind, capacity: n.capacity }));
  const hosts = hostMatrix(topology, { specs, hosts: options.hosts });
  const links = new Float32Array(a * a), linkMask = new Uint8Array(a * a);
  const direct = new Float64Array(a * a).fill(Infinity);
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < a; j++) {
      let ms: number | null;
      if (i === j) ms = 0;
      else if (!generated && own?.linksMs) ms = own.linksMs[i][j];
      else if (specs[i].kind === "edge" && specs[j].kind === "edge") ms = edgeEdgeMs;
      else if (specs[i].kind === "cloud" && specs[j].kind === "cloud") ms = edgeEdgeMs;
      else ms = edgeCloudMs;
      if (ms === null || ms === undefined) continue;
      links[i * a + j] = ms;
      linkMask[i * a + j] = 1;
      direct[i * a + j] = ms;
    }
  }
  return {
    nodes,
    hosts,
    links,
    linkMask,
    distance: shortestPaths(direct, a),
    loadShare: loadShares(specs, options.loadSplit),
  };
}

function hostMatrix(
  topology: Topology,
  ctx: { specs: ClusterNodeSpec[]; hosts?: Record<string, string[]> },
): Uint8Array {
  const { specs } = ctx;
  const s = topology.services.length;
  const out = new Uint8Array(specs.length * s);
  const index = new Map(topology.services.map((name, i) => [name, i]));
  const ids = specs.map((n) => n.id);
  for (const id of Object.keys(ctx.hosts ?? {})) {
    if (!ids.includes(id)) {
      throw new InputError(`options.hosts.${id}: "${id}" is not a node (nodes: ${ids.join(", ")})`);
    }
  }
  specs.forEach((node, a) => {
    const allowed = ctx.hosts?.[node.id] ?? node.services;
    if (allowed === undefined) {
      out.fill(1, a * s, (a + 1) * s);
      return;
    }
    allowed.forEach((name, j) => {
      const i = index.get(name);
      if (i === undefined) {
        throw new InputError(
          `options.hosts.${node.id}[${j}]: "${name}" is not a service of ${topology.spec.name}`,
        );
      }
      out[a * s + i] = 1;
    });
  });
  return out;
}

function loadShares(specs: ClusterNodeSpec[], split: number[] | undefined): Float64Array {
  const share = new Float64Array(specs.length);
  const edges = specs.map((n, i) => (n.kind === "edge" ? i : -1)).filter((i) => i >= 0);
  if (split !== undefined) {
    if (split.length !== edges.length) {
      throw new InputError(
        `options.loadSplit must have one share per edge node (${edges.length}), got ${split.length}`,
      );
    }
    split.forEach((v, k) => {
      if (!(v >= 0)) throw new InputError(`options.loadSplit[${k}] must be a number ≥ 0 (got ${v})`);
      share[edges[k]] = v;
    });
  } else {
    for (const i of edges) share[i] = specs[i].loadShare ?? 1;
  }
  let total = 0;
  for (const i of edges) total += share[i];
  if (!(total > 0)) throw new InputError("options.loadSplit: the shares of the edge nodes must not all be 0");
  for (const i of edges) share[i] /= total;
  return share;
}

/** Floyd–Warshall over direct one-way latencies. */
function shortestPaths(direct: Float64Array, a: number): Float64Array {
  const d = direct.slice();
  for (let k = 0; k < a; k++) {
    for (let i = 0; i < a; i++) {
      const dik = d[i * a + k];
      if (dik === Infinity) continue;
      for (let j = 0; j < a; j++) {
        const via = dik + d[k * a + j];
        if (via < d[i * a + j]) d[i * a + j] = via;
      }
    }
  }
  return d;
}
