/**
 * Replicas per (node, service): desired replicas, the ready ones, and those still starting. Applies
 * desired replicas clamped to `[min, max]` and to each node's capacity, counting what it refused.
 */
import { InputError } from "../../core/errors.ts";

/** Sizes and bounds of a {@linkcode ReplicaPool}. */
export interface ReplicaPoolOptions {
  /** Number of nodes A. */
  nodes: number;
  /** Number of services S. */
  services: number;
  /** Lowest replicas per (node, service) `[A,S]`. */
  min: Int32Array;
  /** Highest replicas per (node, service) `[A,S]`. */
  max: Int32Array;
  /** Most replicas per node over all services `[A]`. */
  capacity: Int32Array;
  /** Control steps a new replica takes to become ready (0 = at once). */
  startupSteps: number;
}

/** The replica state of the whole cluster. */
export class ReplicaPool {
  /** Desired (running or starting) replicas `[A,S]`. */
  readonly replicas: Int32Array;
  /** Ready replicas `[A,S]`. */
  readonly ready: Int32Array;
  /** Replicas of the previous step `[A,S]` (for churn). */
  readonly previous: Int32Array;
  /** `pending[(a·S + s)·d + k]`: replicas that become ready after `k + 1` more ticks. */
  readonly pending: Int32Array;
  readonly #o: ReplicaPoolOptions;
  readonly #want: Int32Array;

  /** Makes an empty pool. */
  constructor(options: ReplicaPoolOptions) {
    this.#o = options;
    const n = options.nodes * options.services;
    this.replicas = new Int32Array(n);
    this.ready = new Int32Array(n);
    this.previous = new Int32Array(n);
    this.pending = new Int32Array(n * options.startupSteps);
    this.#want = new Int32Array(options.services);
  }

  /** Sets every replica ready at once (episode start), after clamping like an action; returns the refusals. */
  resetTo(desired: Int32Array): number {
    this.replicas.fill(0);
    this.ready.fill(0);
    this.pending.fill(0);
    const refused = this.#clamp(desired);
    this.ready.set(this.replicas);
    this.previous.set(this.replicas);
    return refused;
  }

  /** Advances start-up by one control step: replicas whose delay ends become ready. */
  tick(): void {
    const d = this.#o.startupSteps;
    if (d === 0) return;
    const p = this.pending, ready = this.ready;
    for (let i = 0, n = ready.length; i < n; i++) {
      const base = i * d;
      ready[i] += p[base];
      for (let k = 1; k < d; k++) p[base + k - 1] = p[base + k];
      p[base + d - 1] = 0;
    }
  }

  /**
   * Applies desired replicas (already validated): clamps, starts new replicas (ready after the start-up
   * delay) and stops surplus ones at once (starting ones first). Returns the replicas refused.
   */
  apply(desired: Int32Array): number {
    this.previous.set(this.replicas);
    const refused = this.#clamp(desired);
    const d = this.#o.startupSteps, p = this.pending, ready = this.ready, prev = this.previous;
    for (let i = 0, n = ready.length; i < n; i++) {
      const delta = this.replicas[i] - prev[i];
      if (delta > 0) {
        if (d === 0) ready[i] += delta;
        else p[i * d + d - 1] += delta;
      } else if (delta < 0) {
        let stop = -delta;
        for (let k = d - 1; k >= 0 && stop > 0; k--) {
          const take = Math.min(stop, p[i * d + k]);
          p[i * d + k] -= take;
          stop -= take;
        }
        ready[i] -= stop;
      }
    }
    return refused;
  }

  /** Clamps `desired` into `replicas`; returns the replicas refused (above max or over capacity). */
  #clamp(desired: Int32Array): number {
    const { nodes, services, min, max, capacity } = this.#o;
    const want = this.#want, cur = this.replicas;
    let refused = 0;
    for (let a = 0; a < nodes; a++) {
      const row = a * services;
      let total = 0, extra = 0;
      for (let s = 0; s < services; s++) {
        const i = row + s;
        let v = desired[i];
        if (v > max[i]) {
          refused += v - max[i];
          v = max[i];
        }
        if (v < min[i]) v = min[i];
        // Scale-downs apply at once; scale-ups are granted below within the capacity.
        const keep = v < cur[i] ? v : Math.max(cur[i], min[i]);
        want[s] = v - keep;
        extra += want[s];
        cur[i] = keep;
        total += keep;
      }
      let room = capacity[a] - total;
      if (extra <= room) {
        for (let s = 0; s < services; s++) cur[row + s] += want[s];
        continue;
      }
      // Over capacity: grant one replica at a time, round robin over the services that asked for more.
      refused += extra - Math.max(room, 0);
      while (room > 0) {
        for (let s = 0; s < services && room > 0; s++) {
          if (want[s] > 0) {
            want[s]--;
            cur[row + s]++;
            room--;
          }
        }
      }
    }
    return refused;
  }
}

/**
 * Checks an action: an Int32Array of `size` non-negative integers. Anything else is an
 * {@linkcode InputError} naming the index, node and service.
 */
export function validateAction(
  action: unknown,
  ctx: { size: number; name: (i: number) => string },
): Int32Array {
  if (
    action === null || typeof action !== "object" || typeof (action as ArrayLike<number>).length !== "number"
  ) {
    throw new InputError(
      `simulator: the action must be an Int32Array of desired replicas, got ${typeof action}`,
    );
  }
  const values = action as ArrayLike<unknown>;
  if (values.length !== ctx.size) {
    throw new InputError(
      `simulator: the action has ${values.length} values, expected A×S = ${ctx.size} (one per node and service)`,
    );
  }
  for (let i = 0; i < ctx.size; i++) {
    const v = values[i];
    if (typeof v !== "number" || Number.isNaN(v)) {
      throw new InputError(`simulator: action[${i}] (${ctx.name(i)}) is ${String(v)}, not a number`);
    }
    if (!Number.isInteger(v)) {
      throw new InputError(
        `simulator: action[${i}] (${ctx.name(i)}) is ${v}, not an integer number of replicas`,
      );
    }
    if (v < 0) throw new InputError(`simulator: action[${i}] (${ctx.name(i)}) is ${v}, replicas must be ≥ 0`);
  }
  if (!(action instanceof Int32Array)) {
    const kind = (action as object).constructor?.name ?? "object";
    throw new InputError(`simulator: the action must be an Int32Array, got a ${kind}`);
  }
  return action;
}
