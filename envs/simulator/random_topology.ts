/**
 * A seeded random microservice application with a heavy-tailed fan-out: each new service is called by an
 * earlier one chosen with probability proportional to the square of (its fan-out so far + 1) — a
 * superlinear preferential attachment, so a few services call many others and most call none — plus a
 * few extra calls to shared callees.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";
import { Random } from "../../core/random.ts";
import type { CallEdgeSpec, ServiceSpec, TopologySpec } from "./topology.ts";

/** Options of {@linkcode randomTopology}. */
export interface RandomTopologyOptions {
  /** Number of services, 1–200 (default 10). */
  services?: number;
  /** Seed of the generator (the same seed gives the same topology). */
  seed?: number;
  /** Probability that a service gets a second caller, a shared callee (default 0.2). */
  sharedProbability?: number;
}

/** Generates a random topology (entry `s0`) as JSON, ready for `buildTopology`. */
export function randomTopology(options: RandomTopologyOptions = {}): TopologySpec {
  const n = options.services ?? 10;
  if (!Number.isInteger(n) || n < 1 || n > 200) {
    throw new InputError(`randomTopology.services must be an integer in 1..200 (got ${n})`);
  }
  const rng = new Random(options.seed ?? 0);
  const shared = options.sharedProbability ?? 0.2;
  const services: ServiceSpec[] = [];
  for (let i = 0; i < n; i++) {
    const rate = Math.round(80 * Math.exp(rng.next() * Math.log(5))); // log-uniform in [80, 400)
    const cpu = [0.1, 0.2, 0.3, 0.5][rng.int(4)];
    services.push({ name: `s${i}`, rate, cpu });
  }
  const fanOut = new Float64Array(n);
  const edges: CallEdgeSpec[] = [];
  const pickCaller = (before: number): number => {
    let total = 0;
    for (let j = 0; j < before; j++) total += (fanOut[j] + 1) ** 2;
    let u = rng.next() * total;
    for (let j = 0; j < before; j++) {
      u -= (fanOut[j] + 1) ** 2;
      if (u < 0) return j;
    }
    return before - 1;
  };
  const call = (from: number, to: number) => {
    fanOut[from]++;
    const calls = rng.next() < 0.8 ? 1 : [0.5, 2][rng.int(2)];
    edges.push({ from: `s${from}`, to: `s${to}`, calls, parallel: rng.next() < 0.3 });
  };
  for (let i = 1; i < n; i++) {
    const caller = pickCaller(i);
    call(caller, i);
    if (i >= 2 && rng.next() < shared) {
      let other = pickCaller(i);
      if (other === caller) other = (caller + 1 + rng.int(i - 1)) % i;
      if (other !== caller) call(other, i);
    }
  }
  const meanMs = meanLatencyMs({ services, edges });
  return {
    name: "random",
    description: `A random topology of ${n} services (seed ${options.seed ?? 0}).`,
    entry: "s0",
    sloMs: Math.max(20, Math.ceil((meanMs * 2.5) / 10) * 10),
    stepSeconds: 15,
    nominalLoad: 100,
    services,
    edges,
  };
}

/** Unloaded mean latency of a request at `s0` (sequential calls add up, parallel ones take the max). */
function meanLatencyMs(app: { services: ServiceSpec[]; edges: CallEdgeSpec[] }): number {
  const memo = new Map<string, number>();
  const latency = (name: string): number => {
    if (memo.has(name)) return memo.get(name)!;
    const svc = app.services.find((s) => s.name === name)!;
    let seq = 0, par = 0;
    for (const e of app.edges) {
      if (e.from !== name) continue;
      const l = (e.calls ?? 1) * latency(e.to);
      if (e.parallel) par = Math.max(par, l);
      else seq += l;
    }
    const total = 1000 / svc.rate + seq + par;
    memo.set(name, total);
    return total;
  };
  return latency("s0");
}
