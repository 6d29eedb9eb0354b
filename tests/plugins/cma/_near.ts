import { ok, strictEqual } from "node:assert/strict";

/** Asserts |actual − expected| ≤ tolerance, naming both numbers on failure. */
export function near(actual: number, expected: number, tolerance = 1e-7): void {
  ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`);
}

/** How {@linkcode assertClose} compares: the tolerance and what the values are (named on failure). */
export interface CloseOptions {
  /** Largest allowed |actual − expected| per element. */
  tol: number;
  /** What is compared, for the failure message. */
  what: string;
}

/** Asserts equal lengths and |actual[i] − expected[i]| ≤ `tol` for every i, naming the first bad index. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  options: CloseOptions,
): void {
  const { tol, what } = options;
  strictEqual(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`,
    );
  }
}
