import { deepEqual } from "node:assert/strict";
import { near } from "./_near.ts";
import { ValueNorm } from "../../../plugins/cma/value_norm.ts";

Deno.test("ValueNorm debiases the first batch exactly (default β 0.99999)", () => {
  const norm = new ValueNorm();
  norm.update([1, 3]); // mean 2, mean of squares 5 → variance 1
  near(norm.mean, 2, 1e-9);
  near(norm.variance, 1, 1e-6);
  near(norm.normalize([3])[0], 1, 1e-6);
  near(norm.denormalize([1])[0], 3, 1e-6);
});

Deno.test("ValueNorm running moments with β 0.9 match the hand computation", () => {
  const norm = new ValueNorm({ beta: 0.9 });
  norm.update([1, 3]); // m = 0.2, m² = 0.5, d = 0.1
  norm.update([5]); // m = 0.68, m² = 2.95, d = 0.19
  near(norm.mean, 68 / 19, 1e-12);
  near(norm.variance, 981 / 361, 1e-12); // 295/19 − (68/19)²
  const state = norm.getState();
  const copy = new ValueNorm({ beta: 0.9 });
  copy.setState(structuredClone(state));
  deepEqual(copy.normalize([2])[0], norm.normalize([2])[0]);
});

Deno.test("ValueNorm clamps the variance at 1e-2", () => {
  const norm = new ValueNorm();
  norm.update([5, 5]);
  near(norm.variance, 0.01, 1e-9);
  near(norm.normalize([5.1])[0], 1, 1e-6);
});
