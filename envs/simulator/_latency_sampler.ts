/**
 * End-to-end latency by sampling: each step draws a fixed number of requests, allocated over the request
 * classes (edge node × service receiving external load) in proportion to their rates (systematic
 * sampling), and walks each through its call tree. A visit to service `s` served at node `y` costs the
 * round trip `2 × distance` when `y` differs from the caller's node, plus a response time drawn from the
 * M/M/c queue at `(y, s)` (service time Exp(μ), plus an Exp(cμ − λ) wait with the Erlang C probability);
 * sequential callees add up, parallel ones take the slowest. A request fails when a visited service is
 * unreachable or drops it (probability = the queue's overflow fraction); failed requests count at the
 * timeout. Every buffer is allocated once; random variates come from the shared pools (`_variates.ts`),
 * read in order from a seeded random start. Samples of a class are processed column-wise (one call-tree
 * node for up to {@linkcode CHUNK} samples at a time, children before parents), with a failure carried as
 * an infinite latency, so the inner loops are short, branch-light and cache-friendly.
 */
import type { Random } from "../../core/random.ts";
import type { CallTrees } from "./_call_trees.ts";
import type { LoadModel } from "./_load_model.ts";
import { exponentialPool, POOL_MASK, POOL_PAD } from "./_variates.ts";
import type { ClusterLayout } from "./cluster.ts";
import type { Topology } from "./topology.ts";

/** The quantiles {@linkcode LatencySampler.percentiles} holds. */
const QUANTILES = [0.5, 0.95, 0.99];

/** Samples processed together per call-tree node (at most 3 pool reads each, within `POOL_PAD`). */
export const CHUNK = 64;
if (3 * CHUNK > POOL_PAD) throw new Error("CHUNK too large for POOL_PAD");

/** Options of a {@linkcode LatencySampler}. */
export interface SamplerOptions {
  /** Requests sampled per step. */
  samples: number;
  /** The SLO in ms. */
  sloMs: number;
  /** Latency in ms a failed request counts with, and the cap of any latency. */
  timeoutMs: number;
}

/** Samples the end-to-end latency of a step and keeps per-node and cluster statistics. */
export class LatencySampler {
  /** Sampled requests entering at each node `[A]`. */
  readonly nodeSamples: Float64Array;
  /** Of those, over the SLO or failed `[A]`. */
  readonly nodeViolations: Float64Array;
  /** Σ over those of `min(max(L/SLO − 1, 0), 1)` (failed = 1) `[A]`. */
  readonly nodeOvershoot: Float64Array;
  /** Σ latency (ms) of those served `[A]`. */
  readonly nodeLatencySum: Float64Array;
  /** Number served `[A]`. */
  readonly nodeServed: Float64Array;
  /** External req/s entering at each node `[A]`. */
  readonly nodeExternal: Float64Array;
  /** Expected failed external req/s entering at each node (exact under independence, no sampling) `[A]`. */
  readonly nodeFailed: Float64Array;
  /** Sorted latencies of the step's samples in ms (the first `count` entries). */
  readonly latencies: Float64Array;
  /** Samples drawn this step (0 when there is no external load). */
  count = 0;
  /** Samples that failed this step. */
  failedSamples = 0;
  readonly #o: SamplerOptions;
  readonly #trees: CallTrees;
  readonly #s: number;
  readonly #cluster: ClusterLayout;
  readonly #pool = exponentialPool();
  // Per tree node (of the class being sampled).
  readonly #place: Int32Array;
  readonly #rtt: Float64Array;
  readonly #serviceMs: Float64Array;
  readonly #waitP: Float64Array;
  readonly #waitMs: Float64Array;
  readonly #dropP: Float64Array;
  readonly #waitCut: Float64Array; // −ln(wait probability): wait = max(0, E − cut) · waitMs
  readonly #dropCut: Float64Array; // −ln(1 − drop probability): dropped when E < cut
  readonly #callCut: Float64Array; // −ln(call probability): called when E > cut
  readonly #success: Float64Array;
  // Per (local tree node, sample of the chunk): sum of sequential callees, max of parallel callees.
  readonly #seq: Float64Array;
  readonly #par: Float64Array;
  readonly #root: Float64Array;
  readonly #serviceMsOf: Float64Array;
  #e = 0; // next index into the exponential pool

  /** Allocates every buffer. */
  constructor(
    ctx: { topology: Topology; cluster: ClusterLayout; trees: CallTrees },
    options: SamplerOptions,
  ) {
    this.#o = options;
    this.#trees = ctx.trees;
    this.#cluster = ctx.cluster;
    this.#s = ctx.topology.services.length;
    const a = ctx.cluster.nodes.length, t = ctx.trees.size;
    this.nodeSamples = new Float64Array(a);
    this.nodeViolations = new Float64Array(a);
    this.nodeOvershoot = new Float64Array(a);
    this.nodeLatencySum = new Float64Array(a);
    this.nodeServed = new Float64Array(a);
    this.nodeExternal = new Float64Array(a);
    this.nodeFailed = new Float64Array(a);
    this.latencies = new Float64Array(options.samples);
    this.#place = new Int32Array(t);
    this.#rtt = new Float64Array(t);
    this.#serviceMs = new Float64Array(t);
    this.#waitP = new Float64Array(t);
    this.#waitMs = new Float64Array(t);
    this.#dropP = new Float64Array(t);
    this.#waitCut = new Float64Array(t);
    this.#dropCut = new Float64Array(t);
    this.#callCut = Float64Array.from(ctx.trees.probability, (p) => -Math.log(p));
    this.#success = new Float64Array(t);
    let widest = 1;
    for (let r = 0; r < ctx.trees.rootStart.length; r++) {
      widest = Math.max(widest, ctx.trees.rootEnd[r] - ctx.trees.rootStart[r]);
    }
    this.#seq = new Float64Array(widest * CHUNK);
    this.#par = new Float64Array(widest * CHUNK);
    this.#root = new Float64Array(CHUNK);
    this.#serviceMsOf = Float64Array.from(ctx.topology.rates, (mu) => 1000 / mu);
  }

  /** Samples one step given the load model's results and the external rates `[S]`. */
  run(load: LoadModel, ctx: { external: Float64Array; rng: Random }): void {
    const { external, rng } = ctx;
    const a = this.#cluster.nodes.length, s = this.#s, share = this.#cluster.loadShare;
    this.nodeSamples.fill(0);
    this.nodeViolations.fill(0);
    this.nodeOvershoot.fill(0);
    this.nodeLatencySum.fill(0);
    this.nodeServed.fill(0);
    this.nodeExternal.fill(0);
    this.nodeFailed.fill(0);
    this.failedSamples = 0;
    this.#e = rng.nextUint32() & POOL_MASK;
    let total = 0;
    for (let x = 0; x < a; x++) {
      for (let j = 0; j < s; j++) total += external[j] * share[x];
    }
    const n = total > 0 ? this.#o.samples : 0;
    this.count = 0;
    const offset = rng.next();
    let cum = 0;
    for (let x = 0; x < a; x++) {
      if (share[x] <= 0) continue;
      for (let j = 0; j < s; j++) {
        const rate = external[j] * share[x];
        if (rate <= 0) continue;
        const first = Math.floor((cum / total) * n + offset);
        cum += rate;
        const samples = Math.floor((cum / total) * n + offset) - first;
        this.nodeExternal[x] += rate;
        this.#placeClass(load, { node: x, root: j });
        this.nodeFailed[x] += rate * (1 - this.#success[this.#trees.rootStart[j]]);
        for (let done = 0; done < samples;) {
          const m = Math.min(CHUNK, samples - done, n - this.count);
          if (m <= 0) break;
          this.#sampleChunk({ node: x, root: j, count: m });
          done += m;
        }
      }
    }
    this.#quantiles();
  }

  /** This step's 50th, 95th and 99th percentiles of the sampled latencies in ms (0 without samples). */
  readonly percentiles: Float64Array = new Float64Array(3);
  readonly #range = { lo: 0, hi: 0, k: 0 };

  /**
   * Linear-interpolation quantiles (q = 0.5, 0.95, 0.99) by successive selections: each one only
   * searches above the previous, so three order statistics cost little more than one.
   */
  #quantiles(): void {
    const n = this.count, a = this.latencies, r = this.#range;
    r.lo = 0;
    r.hi = n;
    for (let p = 0; p < 3; p++) {
      if (n === 0) {
        this.percentiles[p] = 0;
        continue;
      }
      const h = (n - 1) * QUANTILES[p], k = Math.floor(h);
      r.k = k;
      if (k >= r.lo) selectKth(a, r);
      let next = a[k];
      if (k + 1 < n) {
        next = a[k + 1];
        for (let i = k + 2; i < n; i++) if (a[i] < next) next = a[i];
      }
      this.percentiles[p] = a[k] + (h - k) * (next - a[k]);
      r.lo = k + 1;
    }
  }

  /** Places the tree of a request class on the nodes and computes its success probability. */
  #placeClass(load: LoadModel, cls: { node: number; root: number }): void {
    const tr = this.#trees, s = this.#s, a = this.#cluster.nodes.length, dist = this.#cluster.distance;
    const st = tr.rootStart[cls.root], en = tr.rootEnd[cls.root];
    const place = this.#place, success = this.#success;
    for (let i = st; i < en; i++) {
      const p = tr.parent[i];
      const from = p < 0 ? cls.node : place[p];
      const y = from < 0 ? -1 : load.route[from * s + tr.service[i]];
      place[i] = y;
      success[i] = 1;
      if (y < 0) {
        this.#serviceMs[i] = -1;
        continue;
      }
      const q = y * s + tr.service[i];
      this.#rtt[i] = 2 * dist[from * a + y];
      this.#serviceMs[i] = this.#serviceMsOf[tr.service[i]];
      this.#waitP[i] = load.waitProbability[q];
      this.#waitMs[i] = 1000 / load.waitRate[q];
      this.#dropP[i] = load.dropFraction[q];
      this.#waitCut[i] = -Math.log(this.#waitP[i]); // Infinity when nobody waits
      this.#dropCut[i] = -Math.log(1 - this.#dropP[i]);
    }
    // Success probability bottom-up: own (1 − drop) times, per call, (1 − p + p · success(callee)).
    for (let i = en - 1; i >= st; i--) {
      const own = place[i] < 0 ? 0 : (1 - this.#dropP[i]) * success[i];
      success[i] = own;
      const p = tr.parent[i];
      if (p >= 0) success[p] *= 1 - tr.probability[i] + tr.probability[i] * own;
    }
  }

  /**
   * Walks `count` requests of a class through its placed tree, column-wise (children before parents),
   * and records them. Per visit: `rtt + E₁·serviceMs + max(0, E₂ − waitCut)·waitMs` plus the callees;
   * `seq`/`par` rows are read and zeroed as they are consumed, so they start at zero for every chunk.
   */
  #sampleChunk(cls: { node: number; root: number; count: number }): void {
    const tr = this.#trees, parent = tr.parent, parallel = tr.parallel;
    const st = tr.rootStart[cls.root], en = tr.rootEnd[cls.root], m = cls.count;
    const seq = this.#seq, par = this.#par, root = this.#root, E = this.#pool;
    let e = this.#e;
    for (let i = en - 1; i >= st; i--) {
      e &= POOL_MASK; // at most 3·m reads follow, inside the pool's padding
      const row = (i - st) * CHUNK, p = parent[i];
      const out = p < 0 ? root : parallel[i] === 1 ? par : seq;
      const orow = p < 0 ? 0 : (p - st) * CHUNK;
      const svc = this.#serviceMs[i], rtt = this.#rtt[i], cut = this.#waitCut[i], wMs = this.#waitMs[i];
      const dropCut = this.#dropCut[i], callCut = this.#callCut[i];
      const isPar = p >= 0 && parallel[i] === 1;
      for (let k = 0; k < m; k++) {
        let l = seq[row + k] + par[row + k];
        seq[row + k] = 0;
        par[row + k] = 0;
        if (svc < 0) l = Infinity; // no node has a ready replica
        else {
          l += rtt + E[e] * svc + Math.max(E[e + 1] - cut, 0) * wMs;
          e += 2;
          if (dropCut > 0) {
            if (E[e] < dropCut) l = Infinity;
            e++;
          }
        }
        if (callCut > 0) {
          const called = E[e] > callCut;
          e++;
          if (!called) continue;
        }
        if (p < 0) out[k] = l;
        else if (isPar) {
          if (l > out[orow + k]) out[orow + k] = l;
        } else out[orow + k] += l;
      }
    }
    this.#e = e & POOL_MASK;
    const { sloMs, timeoutMs } = this.#o;
    const x = cls.node;
    for (let k = 0; k < m; k++) {
      let latency = root[k];
      const failed = latency === Infinity;
      if (latency > timeoutMs) latency = timeoutMs;
      this.latencies[this.count++] = latency;
      this.nodeSamples[x]++;
      if (failed) {
        this.failedSamples++;
        this.nodeViolations[x]++;
        this.nodeOvershoot[x] += 1;
        continue;
      }
      this.nodeServed[x]++;
      this.nodeLatencySum[x] += latency;
      if (latency > sloMs) {
        this.nodeViolations[x]++;
        const over = latency / sloMs - 1;
        this.nodeOvershoot[x] += over < 1 ? over : 1;
      }
    }
  }
}

/**
 * Moves the `k`-th smallest of `a[lo, hi)` to index `k`, with nothing larger before it and nothing
 * smaller after it (Hoare's selection with a median-of-three pivot; allocation-free, O(n) expected).
 */
export function selectKth(a: Float64Array, range: { lo: number; hi: number; k: number }): void {
  let lo = range.lo, hi = range.hi - 1;
  const k = range.k;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as the pivot.
    const x = a[lo], y = a[mid], z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}
