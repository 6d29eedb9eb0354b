import { ok } from "node:assert/strict";
import type { NamedTensorMap, Variable } from "@tensorflow/tfjs";

/** Asserts that every variable's gradient in `grads` is finite everywhere and somewhere above 1e-7. */
export function assertNonZeroGradients(variables: readonly Variable[], grads: NamedTensorMap): void {
  for (const v of variables) {
    const g = grads[v.name].dataSync();
    ok(
      g.every(Number.isFinite) && g.some((val) => Math.abs(val) > 1e-7),
      `${v.name} has a non-zero gradient`,
    );
  }
}
