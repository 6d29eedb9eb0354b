/**
 * The analytic part of a step: where each call is served, how the load propagates down the call graph,
 * what is dropped, and each (node, service) queue's M/M/c solution. Allocation-free after construction.
 *
 * - Demand for service `s` at node `a` (external load split over the edge nodes, plus calls made by
 *   callers served at `a`) is served at `a` when `a` has a ready replica of `s`, else at the nearest node
 *   (shortest one-way latency, ties to the lower index) that has one; with none anywhere it is dropped.
 * - A queue admits up to its capacity `ready · μ`; the rest is dropped (utilisation ≥ 1).
 * - Admitted requests of `s` at `b` call each callee `t` `calls(s→t)` times: demand for `t` at `b`.
 *   Services are processed in topological order, so every caller is done before its callees.
 */
import { MAX_UTILIZATION, PercentileTable, solveMmc } from "./queueing.ts";
import type { MmcQueue, MmcSolution } from "./queueing.ts";
import type { ClusterLayout } from "./cluster.ts";
import type { Topology } from "./topology.ts";

/** The shared 95th-percentile table (a pure function of servers and utilisation). */
const P95 = new PercentileTable(0.95);

/** Per-(node, service) results of {@linkcode LoadModel.run}, all `[A,S]`, rates in req/s. */
export class LoadModel {
  /** Node serving the demand for `s` that arises at `a`, or -1 when no node has a ready replica. */
  readonly route: Int32Array;
  /** Demand for `s` arising at `a` (before routing). */
  readonly demand: Float64Array;
  /** Part of the demand at `a` sent to another node. */
  readonly forwarded: Float64Array;
  /** Load arriving to be served at `a` (after routing). */
  readonly arrival: Float64Array;
  /** Load served at `a` (within capacity). */
  readonly admitted: Float64Array;
  /** Load dropped at `a`: over capacity, plus demand at `a` that no node could serve. */
  readonly dropped: Float64Array;
  /** Fraction of arrivals dropped for being over capacity. */
  readonly dropFraction: Float64Array;
  /** Erlang C wait probability. */
  readonly waitProbability: Float64Array;
  /** Rate of the exponential wait, per second (cμ − λ). */
  readonly waitRate: Float64Array;
  /** Mean response time in ms (0 without ready replicas). */
  readonly meanMs: Float64Array;
  /** 95th-percentile response time in ms (0 without ready replicas). */
  readonly p95Ms: Float64Array;
  readonly #topology: Topology;
  readonly #cluster: ClusterLayout;
  readonly #a: number;
  readonly #s: number;
  readonly #queue: MmcQueue = { servers: 1, arrivalRate: 0, serviceRate: 1 };
  readonly #solution: MmcSolution = { waitProbability: 0, waitRate: 1, serviceRate: 1, meanResponse: 1 };
  readonly #calleeStart: Int32Array;
  readonly #callee: Int32Array;
  readonly #calls: Float64Array;

  /** Allocates the buffers for a topology on a cluster. */
  constructor(topology: Topology, cluster: ClusterLayout) {
    this.#topology = topology;
    this.#cluster = cluster;
    const a = cluster.nodes.length, s = topology.services.length;
    this.#a = a;
    this.#s = s;
    const n = a * s;
    this.route = new Int32Array(n);
    this.demand = new Float64Array(n);
    this.forwarded = new Float64Array(n);
    this.arrival = new Float64Array(n);
    this.admitted = new Float64Array(n);
    this.dropped = new Float64Array(n);
    this.dropFraction = new Float64Array(n);
    this.waitProbability = new Float64Array(n);
    this.waitRate = new Float64Array(n);
    this.meanMs = new Float64Array(n);
    this.p95Ms = new Float64Array(n);
    // Callees of each service as flat arrays (CSR).
    const edges = topology.edges.filter((e) => e.calls > 0).sort((x, y) => x.from - y.from);
    this.#calleeStart = new Int32Array(s + 1);
    for (const e of edges) this.#calleeStart[e.from + 1]++;
    for (let i = 0; i < s; i++) this.#calleeStart[i + 1] += this.#calleeStart[i];
    this.#callee = Int32Array.from(edges, (e) => e.to);
    this.#calls = Float64Array.from(edges, (e) => e.calls);
  }

  /** Runs one step's load model for `ready` replicas `[A,S]` and external rates `external[S]`. */
  run(ready: Int32Array, external: Float64Array): void {
    const a = this.#a, s = this.#s;
    const { distance, loadShare } = this.#cluster;
    const { route, demand, forwarded, arrival, admitted, dropped } = this;
    const rates = this.#topology.rates;
    // Routing: nearest node with a ready replica.
    for (let x = 0; x < a; x++) {
      for (let j = 0; j < s; j++) {
        let best = -1, bestD = Infinity;
        if (ready[x * s + j] > 0) best = x;
        else {
          for (let y = 0; y < a; y++) {
            const d = distance[x * a + y];
            if (ready[y * s + j] > 0 && d < bestD) {
              bestD = d;
              best = y;
            }
          }
        }
        route[x * s + j] = best;
      }
    }
    for (let x = 0; x < a; x++) {
      for (let j = 0; j < s; j++) demand[x * s + j] = external[j] * loadShare[x];
    }
    forwarded.fill(0);
    arrival.fill(0);
    dropped.fill(0);
    const order = this.#topology.order, start = this.#calleeStart, callee = this.#callee, calls = this.#calls;
    for (let k = 0; k < s; k++) {
      const j = order[k];
      for (let x = 0; x < a; x++) {
        const i = x * s + j, load = demand[i];
        if (load <= 0) continue;
        const y = route[i];
        if (y < 0) dropped[i] += load;
        else {
          arrival[y * s + j] += load;
          if (y !== x) forwarded[i] = load;
        }
      }
      const mu = rates[j];
      for (let y = 0; y < a; y++) {
        const i = y * s + j;
        const cap = ready[i] * mu;
        const served = arrival[i] < cap ? arrival[i] : cap;
        admitted[i] = served;
        dropped[i] += arrival[i] - served;
        this.dropFraction[i] = arrival[i] > 0 ? (arrival[i] - served) / arrival[i] : 0;
        for (let e = start[j]; e < start[j + 1]; e++) demand[y * s + callee[e]] += served * calls[e];
      }
    }
    this.#solveQueues(ready);
  }

  #solveQueues(ready: Int32Array): void {
    const s = this.#s, n = this.#a * s, rates = this.#topology.rates;
    const q = this.#queue, sol = this.#solution;
    for (let i = 0; i < n; i++) {
      const c = ready[i];
      if (c === 0) {
        this.waitProbability[i] = 0;
        this.waitRate[i] = 1;
        this.meanMs[i] = 0;
        this.p95Ms[i] = 0;
        continue;
      }
      q.servers = c;
      q.serviceRate = rates[i % s];
      q.arrivalRate = Math.min(this.admitted[i], MAX_UTILIZATION * c * q.serviceRate);
      solveMmc(q, sol);
      this.waitProbability[i] = sol.waitProbability;
      this.waitRate[i] = sol.waitRate;
      this.meanMs[i] = sol.meanResponse * 1000;
      this.p95Ms[i] = P95.lookup(q) * 1000;
    }
  }
}
