/**
 * End-to-end latency by sampling: each step draws a fixed number of requests, allocated over the request
 * classes (edge node × service receiving external load) in proportion to their rates (systematic
 * sampling), and walks each through its call tree. A visit to service `s` served at node `y` costs the
 * round trip `2 × distance` when `y` differs from the caller's node, plus a response time drawn from the
 * M/M/c queue at `(y, s)` (service time Exp(μ), plus an Exp(cμ − λ) wait with the Erlang C probability);
 * sequential callees add up, parallel ones take the slowest. A request fails when a visited service is
 * unreachable or drops it (probability = the queue's overflow fraction); failed requests count at the
 * timeout. Every buffer is allocated once; random variates come from the shared pools (`_variates.ts`).
 */
import type { Random } from "../../core/random.ts";
import type { CallTrees } from "./_call_trees.ts";
import type { LoadModel } from "./_load_model.ts";
import { POOL_MASK, VariateCursor, variatePools } from "./_variates.ts";
import type { ClusterLayout } from "./cluster.ts";
import type { Topology } from "./topology.ts";

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
  readonly #cursor = new VariateCursor();
  readonly #pools = variatePools();
  // Per tree node (one class at a time).
  readonly #place: Int32Array;
  readonly #rtt: Float64Array;
  readonly #serviceMs: Float64Array;
  readonly #waitP: Float64Array;
  readonly #waitMs: Float64Array;
  readonly #dropP: Float64Array;
  readonly #success: Float64Array;
  readonly #seq: Float64Array;
  readonly #par: Float64Array;
  readonly #fail: Uint8Array;
  readonly #serviceMsOf: Float64Array;
  // The request class being sampled: entry node and root service.
  #node = 0;
  #root = 0;

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
    this.#success = new Float64Array(t);
    this.#seq = new Float64Array(t);
    this.#par = new Float64Array(t);
    this.#fail = new Uint8Array(t);
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
    this.#cursor.shuffle(rng);
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
        this.#node = x;
        this.#root = j;
        this.#placeClass(load);
        const success = this.#success[this.#trees.rootStart[j]];
        this.nodeFailed[x] += rate * (1 - success);
        for (let k = 0; k < samples && this.count < n; k++) this.#sampleOne();
      }
    }
    this.latencies.fill(Infinity, this.count);
    this.latencies.sort();
  }

  /** The `q`-quantile (0–1, linear interpolation) of this step's sampled latencies in ms; 0 without samples. */
  quantile(q: number): number {
    const n = this.count;
    if (n === 0) return 0;
    const h = (n - 1) * q, lo = Math.floor(h);
    const hi = lo + 1 < n ? lo + 1 : lo;
    return this.latencies[lo] + (h - lo) * (this.latencies[hi] - this.latencies[lo]);
  }

  /** Places the tree of the current request class on the nodes and computes its success probability. */
  #placeClass(load: LoadModel): void {
    const tr = this.#trees, s = this.#s, a = this.#cluster.nodes.length, dist = this.#cluster.distance;
    const st = tr.rootStart[this.#root], en = tr.rootEnd[this.#root];
    const place = this.#place, success = this.#success;
    for (let i = st; i < en; i++) {
      const p = tr.parent[i];
      const from = p < 0 ? this.#node : place[p];
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
    }
    // Success probability bottom-up: own (1 − drop) times, per call, (1 − p + p · success(callee)).
    for (let i = en - 1; i >= st; i--) {
      const own = place[i] < 0 ? 0 : (1 - this.#dropP[i]) * success[i];
      success[i] = own;
      const p = tr.parent[i];
      if (p >= 0) success[p] *= 1 - tr.probability[i] + tr.probability[i] * own;
    }
  }

  /** Walks one request of the current class through its placed tree (children first) and records it. */
  #sampleOne(): void {
    const tr = this.#trees, parent = tr.parent, parallel = tr.parallel, prob = tr.probability;
    const st = tr.rootStart[this.#root], en = tr.rootEnd[this.#root];
    const seq = this.#seq, par = this.#par, fail = this.#fail;
    const rtt = this.#rtt, serviceMs = this.#serviceMs, waitP = this.#waitP, waitMs = this.#waitMs;
    const dropP = this.#dropP;
    const { exponential: E, uniform: U } = this.#pools;
    const cur = this.#cursor;
    let ei = cur.e, ui = cur.u;
    const es = cur.eStride, us = cur.uStride;
    let latency = 0, failed = 0;
    for (let i = en - 1; i >= st; i--) {
      let f = fail[i];
      let l = seq[i] + par[i];
      seq[i] = 0;
      par[i] = 0;
      fail[i] = 0;
      const svc = serviceMs[i];
      if (svc < 0) f = 1;
      else {
        l += rtt[i] + E[ei] * svc;
        ei = (ei + es) & POOL_MASK;
        const w = waitP[i];
        if (w > 0) {
          if (U[ui] < w) {
            l += E[ei] * waitMs[i];
            ei = (ei + es) & POOL_MASK;
          }
          ui = (ui + us) & POOL_MASK;
        }
        const d = dropP[i];
        if (d > 0) {
          if (U[ui] < d) f = 1;
          ui = (ui + us) & POOL_MASK;
        }
      }
      const p = parent[i];
      if (p < 0) {
        latency = l;
        failed = f;
        continue;
      }
      const pr = prob[i];
      if (pr < 1) {
        const called = U[ui] < pr;
        ui = (ui + us) & POOL_MASK;
        if (!called) continue;
      }
      if (parallel[i] === 1) {
        if (l > par[p]) par[p] = l;
      } else seq[p] += l;
      if (f) fail[p] = 1;
    }
    cur.e = ei;
    cur.u = ui;
    const { sloMs, timeoutMs } = this.#o;
    const x = this.#node;
    if (failed || latency > timeoutMs) latency = timeoutMs;
    this.latencies[this.count++] = latency;
    this.nodeSamples[x]++;
    if (failed) {
      this.failedSamples++;
      this.nodeViolations[x]++;
      this.nodeOvershoot[x] += 1;
      return;
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
