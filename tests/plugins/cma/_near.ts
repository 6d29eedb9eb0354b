import { ok } from "node:assert/strict";

/** Asserts |actual − expected| ≤ tolerance, naming both numbers on failure. */
export function near(actual: number, expected: number, tolerance = 1e-7): void {
  ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`);
}
