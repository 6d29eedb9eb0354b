// Small statistics for reports: Student's t quantiles and t-based confidence intervals of a mean.

/** A sample mean with the half-width of its confidence interval. */
export interface MeanInterval {
  /** The sample mean (NaN for an empty sample). */
  mean: number;
  /** Half-width of the interval: mean ± halfWidth (NaN with fewer than 2 values). */
  halfWidth: number;
  /** Sample size. */
  n: number;
  /** Sample standard deviation (n − 1 in the denominator; NaN with fewer than 2 values). */
  sd: number;
}

/**
 * The t-based confidence interval of the mean of `values`: mean ± t(1 − α/2, n − 1) · sd / √n
 * (default confidence 0.95).
 */
export function meanInterval(values: readonly number[], options: { confidence?: number } = {}): MeanInterval {
  const n = values.length;
  if (n === 0) return { mean: NaN, halfWidth: NaN, n, sd: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, halfWidth: NaN, n, sd: NaN };
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  const sd = Math.sqrt(ss / (n - 1));
  const confidence = options.confidence ?? 0.95;
  const t = studentTQuantile(1 - (1 - confidence) / 2, n - 1);
  return { mean, halfWidth: t * sd / Math.sqrt(n), n, sd };
}

/** The `p` quantile (0 < p < 1) of Student's t distribution with `df` degrees of freedom. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The cumulative distribution function of Student's t at `t`. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedBeta(x, { a: df / 2, b: 0.5 });
  return t >= 0 ? 1 - tail : tail;
}

/** The regularised incomplete beta function I_x(a, b) (continued fraction, Numerical Recipes §6.4). */
export function regularizedBeta(x: number, shape: { a: number; b: number }): number {
  const { a, b } = shape;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return front * betaFraction(x, a, b) / a;
  return 1 - front * betaFraction(1 - x, b, a) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - (a + b) * x / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

const LANCZOS = [
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(z) for z > 0 (Lanczos approximation, g = 7). */
export function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  z -= 1;
  let x = 0.99999999999980993;
  for (let i = 0; i < LANCZOS.length; i++) x += LANCZOS[i] / (z + i + 1);
  const t = z + LANCZOS.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}
