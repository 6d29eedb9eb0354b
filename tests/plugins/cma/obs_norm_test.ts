import { deepEqual } from "node:assert/strict";
import { near } from "./_near.ts";
import { RunningNorm } from "../../../plugins/cma/obs_norm.ts";

Deno.test("RunningNorm is the identity before any data, then standardises per feature", () => {
  const norm = new RunningNorm(2);
  deepEqual([...norm.normalize([3, 4])], [3, 4]);
  norm.update([[1, 10, 3, 30]]); // feature 0: 1, 3 → mean 2, var 1; feature 1: 10, 30 → mean 20, var 100
  const x = norm.normalize([3, 0]);
  near(x[0], 1, 1e-6);
  near(x[1], -2, 1e-6);
  norm.update([[5, 20]]); // feature 0: 1, 3, 5 → mean 3, var 8/3
  near(norm.getState().mean[0], 3, 1e-12);
  near(norm.getState().variance[0], 8 / 3, 1e-12);
  deepEqual(norm.normalize([1e6, 0])[0], 10); // clipped at ±10
});
