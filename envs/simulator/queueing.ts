/**
 * The M/M/c queue the simulator uses for the response time of one service on one node: Poisson arrivals
 * at rate λ, `c` ready replicas (servers), each serving at rate μ with exponential service times.
 *
 * With offered load `a = λ/μ` and utilisation `ρ = a/c < 1`:
 *
 * - Erlang C, the probability that an arriving request has to wait:
 *   `C(c, a) = (aᶜ/c! · 1/(1−ρ)) / (Σ_{k=0}^{c−1} aᵏ/k! + aᶜ/c! · 1/(1−ρ))`,
 *   computed stably through the Erlang B recursion `B₀ = 1`, `Bₖ = a·Bₖ₋₁ / (k + a·Bₖ₋₁)`,
 *   `C = B_c / (1 − ρ(1 − B_c))`.
 * - The waiting time `W` is 0 with probability `1 − C`, else exponential with rate `θ = cμ − λ`;
 *   the mean response time is `E[T] = C/(cμ − λ) + 1/μ`.
 * - The response time `T = W + S` (S ~ Exp(μ) the service time) has the tail
 *   `P(T > t) = (1−C)·e^{−μt} + C·(θ·e^{−μt} − μ·e^{−θt})/(θ − μ)` (θ ≠ μ), and
 *   `P(T > t) = (1−C)·e^{−μt} + C·(1 + μt)·e^{−μt}` when θ = μ.
 *   The q-percentile solves `P(T > t) = 1 − q` (safeguarded Newton).
 *
 * Rates are per second and times in seconds unless a name says `Ms`.
 *
 * @module
 */

/** The inputs of an M/M/c queue. */
export interface MmcQueue {
  /** Number of servers (ready replicas) `c`, a positive integer. */
  servers: number;
  /** Arrival rate λ in requests per second. */
  arrivalRate: number;
  /** Service rate μ of one server in requests per second. */
  serviceRate: number;
}

/** The solved queue, what the latency model needs (filled by {@linkcode solveMmc}). */
export interface MmcSolution {
  /** Probability an arrival waits (Erlang C); 0 when there is no load. */
  waitProbability: number;
  /** Rate θ = cμ − λ of the exponential waiting time of those who wait, per second. */
  waitRate: number;
  /** Service rate μ per second. */
  serviceRate: number;
  /** Mean response time (wait + service) in seconds. */
  meanResponse: number;
}

/** The utilisation above which the latency model saturates (the queue never quite reaches ρ = 1). */
export const MAX_UTILIZATION = 0.99;

/**
 * Erlang C: the probability that a request arriving at an M/M/c queue with `servers` servers and offered
 * load `offeredLoad = λ/μ` has to wait. Returns 1 when the queue is unstable (`offeredLoad ≥ servers`).
 */
export function erlangC(servers: number, offeredLoad: number): number {
  if (!(servers >= 1) || !Number.isInteger(servers)) throw new RangeError("servers must be an integer ≥ 1");
  if (!(offeredLoad >= 0)) throw new RangeError("offeredLoad must be ≥ 0");
  if (offeredLoad === 0) return 0;
  const rho = offeredLoad / servers;
  if (rho >= 1) return 1;
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b / (1 - rho * (1 - b));
}

/**
 * Solves an M/M/c queue into `out` (no allocation, for the simulator's step loop) and returns it. The
 * utilisation is capped at {@linkcode MAX_UTILIZATION}: load beyond capacity is the caller's to drop.
 */
export function solveMmc(queue: MmcQueue, out: MmcSolution): MmcSolution {
  const c = queue.servers, mu = queue.serviceRate;
  const lambda = Math.min(queue.arrivalRate, MAX_UTILIZATION * c * mu);
  out.serviceRate = mu;
  out.waitRate = c * mu - lambda;
  out.waitProbability = lambda > 0 ? erlangC(c, lambda / mu) : 0;
  out.meanResponse = out.waitProbability / out.waitRate + 1 / mu;
  return out;
}

/** A fresh {@linkcode MmcSolution} to pass to {@linkcode solveMmc}. */
export function emptyMmcSolution(): MmcSolution {
  return { waitProbability: 0, waitRate: 1, serviceRate: 1, meanResponse: 1 };
}

/** `P(T > t)`: the probability that the response time exceeds `t` seconds. */
export function responseTail(solution: MmcSolution, t: number): number {
  if (t <= 0) return 1;
  const mu = solution.serviceRate, theta = solution.waitRate, c = solution.waitProbability;
  const eMu = Math.exp(-mu * t);
  if (c === 0) return eMu;
  const d = theta - mu;
  if (Math.abs(d) <= 1e-9 * mu) return (1 - c) * eMu + c * (1 + mu * t) * eMu;
  return (1 - c) * eMu + (c * (theta * eMu - mu * Math.exp(-theta * t))) / d;
}

/**
 * The `q`-percentile (0 < q < 1) of the response time in seconds: the `t` with `P(T > t) = 1 − q`.
 * Exact for pure service time (`ln(1/(1−q))/μ` when nobody waits); otherwise Newton's method on
 * `ln P(T > t)` (nearly linear in the tail) from the larger single-exponential estimate, kept inside a
 * bracket; it converges in two to four iterations.
 */
export function responsePercentile(solution: MmcSolution, q: number): number {
  const target = 1 - q, logTarget = Math.log(target);
  const mu = solution.serviceRate, theta = solution.waitRate, c = solution.waitProbability;
  let lo = -logTarget / mu; // T ≥ S, so the answer is at least S's percentile
  if (c === 0) return lo;
  const d = theta - mu;
  const equal = Math.abs(d) <= 1e-9 * mu;
  // P(T > t) = A·e^{−μt} + B·e^{−θt} (θ ≠ μ), or (1 + C·μ·t)·e^{−μt} (θ = μ).
  const coefA = equal ? 0 : 1 - c + (c * theta) / d, coefB = equal ? 0 : (-c * mu) / d;
  let t = lo;
  if (equal) t = Math.max(lo, (Math.log(1 + c) - logTarget) / mu);
  else {
    if (coefA > 0) t = Math.max(t, (Math.log(coefA) - logTarget) / mu);
    if (coefB > 0) t = Math.max(t, (Math.log(coefB) - logTarget) / theta);
  }
  let hi = Infinity;
  for (let i = 0; i < 50; i++) {
    const eMu = Math.exp(-mu * t);
    let tail: number, density: number;
    if (equal) {
      tail = (1 + c * mu * t) * eMu;
      density = (mu + c * mu * (mu * t - 1)) * eMu;
    } else {
      const eTheta = Math.exp(-theta * t);
      tail = coefA * eMu + coefB * eTheta;
      density = coefA * mu * eMu + coefB * theta * eTheta;
    }
    const gap = Math.log(tail) - logTarget;
    if (Math.abs(gap) < 1e-9) return t; // P(T > t) within a relative 1e-9 of 1 − q
    if (gap > 0) lo = t;
    else hi = t;
    // Newton on ln P: t ← t + (ln P − ln target) · P / density.
    let next = density > 0 && tail > 0 ? t + (gap * tail) / density : NaN;
    if (!(next > lo && next < hi)) next = hi === Infinity ? 2 * t : (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-9 * t) return next;
    t = next;
  }
  return t;
}

/** Grid intervals over the utilisation [0, MAX_UTILIZATION] of a {@linkcode PercentileTable}. */
const TABLE_STEPS = 1024;

/**
 * Fast lookup of a response-time percentile for the simulator's step loop. `μ·t_q` depends only on the
 * number of servers `c` and the utilisation `ρ`, so each `c` gets a table over a uniform grid of ρ
 * (1024 intervals up to {@linkcode MAX_UTILIZATION}, built on first use from
 * {@linkcode responsePercentile}); a lookup interpolates linearly, within 0.2% of the exact value.
 */
export class PercentileTable {
  readonly #q: number;
  readonly #tables: Float64Array[] = [];
  readonly #solution = emptyMmcSolution();

  /** A table for the `q`-percentile (0 < q < 1). */
  constructor(q: number) {
    if (!(q > 0 && q < 1)) throw new RangeError("q must be in (0, 1)");
    this.#q = q;
  }

  /** The percentile in seconds for `queue` (utilisation capped at {@linkcode MAX_UTILIZATION}). */
  lookup(queue: MmcQueue): number {
    const c = queue.servers, mu = queue.serviceRate;
    const table = this.#tables[c] ?? this.#build(c);
    let x = (queue.arrivalRate / (c * mu)) * (TABLE_STEPS / MAX_UTILIZATION);
    if (x > TABLE_STEPS) x = TABLE_STEPS;
    if (!(x > 0)) return table[0] / mu;
    const i = Math.floor(x), f = x - i;
    return (i < TABLE_STEPS ? table[i] + f * (table[i + 1] - table[i]) : table[i]) / mu;
  }

  #build(c: number): Float64Array {
    const table = new Float64Array(TABLE_STEPS + 1);
    const queue: MmcQueue = { servers: c, arrivalRate: 0, serviceRate: 1 };
    for (let i = 0; i <= TABLE_STEPS; i++) {
      queue.arrivalRate = (i / TABLE_STEPS) * MAX_UTILIZATION * c;
      table[i] = responsePercentile(solveMmc(queue, this.#solution), this.#q);
    }
    this.#tables[c] = table;
    return table;
  }
}
