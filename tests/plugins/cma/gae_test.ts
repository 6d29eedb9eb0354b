import { deepEqual } from "node:assert/strict";
import { near } from "./_near.ts";
import { generalizedAdvantage, standardize } from "../../../plugins/cma/gae.ts";

function close(actual: ArrayLike<number>, expected: number[]) {
  deepEqual(actual.length, expected.length);
  expected.forEach((e, i) => {
    if (Math.abs(actual[i] - e) > 1e-9) throw new Error(`index ${i}: ${actual[i]} != ${e}`);
  });
}

const base = { rewards: [1, 2, 3], values: [0.5, 1, 1.5] };
const options = { steps: 3, width: 1, gamma: 0.9, lambda: 0.8 };

Deno.test("GAE without episode end bootstraps from the next values (γ 0.9, λ 0.8)", () => {
  // δ2 = 3 + 0.9·2 − 1.5 = 3.3; δ1 = 2 + 0.9·1.5 − 1 = 2.35; δ0 = 1 + 0.9·1 − 0.5 = 1.4
  // A2 = 3.3; A1 = 2.35 + 0.72·3.3 = 4.726; A0 = 1.4 + 0.72·4.726 = 4.80272
  const r = generalizedAdvantage({
    ...base,
    nextValues: [1, 1.5, 2],
    terminated: [0, 0, 0],
    episodeEnd: [0, 0, 0],
  }, options);
  close(r.advantages, [4.80272, 4.726, 3.3]);
  close(r.returns, [5.30272, 5.726, 4.8]);
});

Deno.test("GAE truncation bootstraps from the final observation's value and stops the flow", () => {
  // truncated after step 1 with V(final) = 4: δ1 = 2 + 0.9·4 − 1 = 4.6 = A1; A0 = 1.4 + 0.72·4.6 = 4.712
  const r = generalizedAdvantage({
    ...base,
    nextValues: [1, 4, 2],
    terminated: [0, 0, 0],
    episodeEnd: [0, 1, 0],
  }, options);
  close(r.advantages, [4.712, 4.6, 3.3]);
});

Deno.test("GAE termination drops the next value", () => {
  // δ1 = 2 − 1 = 1 = A1; A0 = 1.4 + 0.72·1 = 2.12
  const r = generalizedAdvantage({
    ...base,
    nextValues: [1, 4, 2],
    terminated: [0, 1, 0],
    episodeEnd: [0, 1, 0],
  }, options);
  close(r.advantages, [2.12, 1, 3.3]);
});

Deno.test("GAE keeps streams apart ([T,W] layout) and uses the default γ 0.99, λ 0.95", () => {
  // stream 0: r = [1, 0], V = 0, next V = 0 → A1 = 0, A0 = 1; stream 1: r = [0, 1] → A1 = 1, A0 = 0.99·0.95 = 0.9405
  const r = generalizedAdvantage({
    rewards: [1, 0, 0, 1],
    values: [0, 0, 0, 0],
    nextValues: [0, 0, 0, 0],
    terminated: [0, 0, 0, 0],
    episodeEnd: [0, 0, 0, 0],
  }, { steps: 2, width: 2 });
  close(r.advantages, [1, 0.9405, 0, 1]);
});

Deno.test("standardize gives mean 0 and deviation 1", () => {
  const x = standardize(Float64Array.from([1, 2, 3, 4]));
  // mean 2.5, std √1.25
  near(x[0], -1.5 / (Math.sqrt(1.25) + 1e-5), 1e-12);
  near(x[3], 1.5 / (Math.sqrt(1.25) + 1e-5), 1e-12);
});
