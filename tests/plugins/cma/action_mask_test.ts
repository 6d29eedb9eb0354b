import { deepEqual } from "node:assert/strict";
import { actionMask } from "../../../plugins/cma/action_mask.ts";
import type { EnvSpec } from "../../../core/environment.ts";

const spec: EnvSpec = {
  nodes: [{ id: "edge", kind: "edge", capacity: 5 }],
  services: ["a", "b"],
  serviceFeatures: [],
  nodeFeatures: [],
  minReplicas: Int32Array.from([1, 1]),
  maxReplicas: Int32Array.from([3, 3]),
  stepSeconds: 1,
  sloMs: 100,
};

Deno.test("deltas that leave [min, max] are masked", () => {
  // a: 1 − 1 = 0 < min; b: 3 + 1 = 4 > max; total 4 + 1 ≤ capacity 5
  deepEqual([...actionMask(Int32Array.from([1, 3]), { spec, deltas: [-1, 0, 1] })], [0, 1, 1, 1, 1, 0]);
});

Deno.test("scale-ups beyond the node's capacity are masked, 0 always allowed", () => {
  // total 2 + 3 = 5 = capacity: no +1 anywhere; b = 3 also at max
  deepEqual([...actionMask(Int32Array.from([2, 3]), { spec, deltas: [-1, 0, 1] })], [1, 1, 0, 1, 1, 0]);
  // a below min (0): keeping stays allowed, +2 → 2 fits (total 2 + 2 ≤ 5); b: 2 + 2 = 4 > max
  deepEqual([...actionMask(Int32Array.from([0, 2]), { spec, deltas: [0, 2] })], [1, 1, 1, 0]);
});
