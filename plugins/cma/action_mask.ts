/**
 * Action masking for replica deltas: which deltas a node may choose for each of its services.
 *
 * @module
 */
import type { EnvSpec } from "../../core/environment.ts";

/** Options of {@linkcode actionMask}. */
export interface ActionMaskOptions {
  /** The environment's spec (min/max replicas, node capacity). */
  spec: EnvSpec;
  /** The replica deltas the policy chooses among. */
  deltas: readonly number[];
}

/**
 * A mask `[A,S,K]` (1 = allowed) for current replicas `[A,S]`: a delta is allowed when the target
 * `replicas + delta` stays in [min, max] and, for a scale-up, the node's total replicas plus the delta
 * stay within its capacity. A delta of 0 is always allowed (keeping things as they are is never
 * refused); when the deltas do not contain 0 and every delta is masked, all are allowed.
 */
export function actionMask(replicas: Int32Array, options: ActionMaskOptions): Uint8Array {
  const { spec, deltas } = options;
  const A = spec.nodes.length, S = spec.services.length, K = deltas.length;
  const mask = new Uint8Array(A * S * K);
  for (let a = 0; a < A; a++) {
    let total = 0;
    for (let s = 0; s < S; s++) total += replicas[a * S + s];
    const capacity = spec.nodes[a].capacity;
    for (let s = 0; s < S; s++) {
      const i = a * S + s;
      const r = replicas[i];
      let any = false;
      for (let k = 0; k < K; k++) {
        const d = deltas[k];
        const target = r + d;
        const ok = d === 0 ||
          (target >= spec.minReplicas[i] && target <= spec.maxReplicas[i] && target >= 0 &&
            (d < 0 || total + d <= capacity));
        mask[i * K + k] = ok ? 1 : 0;
        any ||= ok;
      }
      if (!any) mask.fill(1, i * K, i * K + K);
    }
  }
  return mask;
}
