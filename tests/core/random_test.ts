import { deepEqual as assertEquals, notDeepEqual, ok as assert } from "node:assert/strict";
import { deriveSeed, Random } from "../../core/mod.ts";

Deno.test("Random: same seed same stream, different seed different stream", () => {
  const a = new Random(42), b = new Random(42), c = new Random(43);
  const xs = Array.from({ length: 5 }, () => a.next());
  assertEquals(xs, Array.from({ length: 5 }, () => b.next()));
  notDeepEqual(xs, Array.from({ length: 5 }, () => c.next()));
  assert(xs.every((x) => x >= 0 && x < 1));
});

Deno.test("Random: state round-trips, including the spare normal", () => {
  const a = new Random(7);
  a.normal(); // leaves a spare
  const state = JSON.parse(JSON.stringify(a.getState()));
  const b = new Random(0);
  b.setState(state);
  assertEquals([a.normal(), a.next(), a.int(10)], [b.normal(), b.next(), b.int(10)]);
});

Deno.test("Random: moments of uniform and normal over 20000 draws", () => {
  const r = new Random(1);
  let su = 0, sn = 0, sn2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    su += r.next();
    const z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  assert(Math.abs(su / n - 0.5) < 0.01, `uniform mean ${su / n}`);
  assert(Math.abs(sn / n) < 0.03, `normal mean ${sn / n}`);
  assert(Math.abs(sn2 / n - 1) < 0.05, `normal variance ${sn2 / n}`);
});

Deno.test("deriveSeed: stable, distinct per label and per seed", () => {
  assertEquals(deriveSeed(1, "env"), deriveSeed(1, "env"));
  notDeepEqual(deriveSeed(1, "env"), deriveSeed(1, "policy"));
  notDeepEqual(deriveSeed(1, "env"), deriveSeed(2, "env"));
  assert(Number.isInteger(deriveSeed(5, "x")) && deriveSeed(5, "x") >= 0);
});
