/**
 * The call graph unrolled into one call tree per root service, flattened in pre-order so that every
 * node's descendants follow it: walking the arrays backwards visits children before parents, which is
 * how the latency sampler combines sequential (sum) and parallel (max) calls without recursion.
 *
 * An edge with `calls = w` becomes `ceil(w)` copies of the callee's subtree; the first `floor(w)` are
 * always called, the last is called with probability `w − floor(w)` (when fractional).
 */
import { InputError } from "../../core/errors.ts";
import type { Topology } from "./topology.ts";

/** Flattened call trees of every service; tree nodes `[rootStart[s], rootEnd[s])` belong to root `s`. */
export interface CallTrees {
  /** Service of each tree node. */
  service: Int32Array;
  /** Index of the parent tree node, -1 for a root. */
  parent: Int32Array;
  /** 1 when the call from the parent is parallel. */
  parallel: Uint8Array;
  /** Probability that the parent makes this call (1 for whole calls). */
  probability: Float64Array;
  /** First tree node of the tree rooted at each service. */
  rootStart: Int32Array;
  /** One past the last tree node of the tree rooted at each service. */
  rootEnd: Int32Array;
  /** Total tree nodes. */
  size: number;
}

/** Most tree nodes over all roots before the topology is refused as too large to sample. */
export const MAX_TREE_NODES = 50_000;

/** Unrolls every service's call tree. Throws an InputError naming the topology when it is too large. */
export function buildCallTrees(topology: Topology): CallTrees {
  const s = topology.services.length;
  const callees: { to: number; calls: number; parallel: boolean }[][] = Array.from({ length: s }, () => []);
  for (const e of topology.edges) if (e.calls > 0) callees[e.from].push(e);
  const service: number[] = [], parent: number[] = [], parallel: number[] = [], probability: number[] = [];
  const rootStart = new Int32Array(s), rootEnd = new Int32Array(s);
  const visit = (svc: number, link: { parent: number; parallel: boolean; probability: number }) => {
    if (service.length >= MAX_TREE_NODES) {
      throw new InputError(
        `${topology.source}: the call tree unrolls into more than ${MAX_TREE_NODES} calls (lower /edges/*/calls)`,
      );
    }
    const me = service.length;
    service.push(svc);
    parent.push(link.parent);
    parallel.push(link.parallel ? 1 : 0);
    probability.push(link.probability);
    for (const e of callees[svc]) {
      const whole = Math.floor(e.calls), frac = e.calls - whole;
      for (let k = 0; k < whole; k++) visit(e.to, { parent: me, parallel: e.parallel, probability: 1 });
      if (frac > 1e-12) visit(e.to, { parent: me, parallel: e.parallel, probability: frac });
    }
  };
  for (let root = 0; root < s; root++) {
    rootStart[root] = service.length;
    visit(root, { parent: -1, parallel: false, probability: 1 });
    rootEnd[root] = service.length;
  }
  return {
    service: Int32Array.from(service),
    parent: Int32Array.from(parent),
    parallel: Uint8Array.from(parallel),
    probability: Float64Array.from(probability),
    rootStart,
    rootEnd,
    size: service.length,
  };
}
