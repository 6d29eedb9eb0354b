import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { InputError } from "../../../core/errors.ts";
import { Random } from "../../../core/random.ts";
import { createWorkload, loadCsvWorkload, parseTopology } from "../../../envs/simulator/mod.ts";
import type { Workload, WorkloadSpec } from "../../../envs/simulator/mod.ts";
import { svc, topology } from "./_helpers.ts";

const app = parseTopology(
  topology({ services: [svc("a"), svc("b")], edges: [{ from: "a", to: "b" }], nominalLoad: 80 }),
  "test",
);

async function rates(spec: WorkloadSpec, options: { steps: number; seed?: number }): Promise<number[][]> {
  const w: Workload = await createWorkload(spec, { topology: app, stepSeconds: 15, baseDir: "." });
  w.reset(new Random(options.seed ?? 1));
  const out = new Float64Array(2);
  return Array.from({ length: options.steps }, (_, t) => {
    w.externalRates(t, out);
    return [...out];
  });
}
const entry = (r: number[][]) => r.map((x) => x[0]);
const near = (actual: number, expected: number, tolerance: number, what: string) =>
  ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`,
  );

Deno.test("constant: the topology's nominal load at the entry, nothing elsewhere", async () => {
  deepEqual(await rates({ type: "constant" }, { steps: 3 }), [[80, 0], [80, 0], [80, 0]]);
  deepEqual(await rates({ type: "constant", rate: 5, service: "b" }, { steps: 1 }), [[0, 5]]);
});

Deno.test("diurnal: peak at peakStep, trough half a period later", async () => {
  const r = entry(
    await rates({ type: "diurnal", rate: 100, amplitude: 0.5, periodSteps: 24, peakStep: 6, noise: 0 }, {
      steps: 25,
    }),
  );
  near(r[6], 150, 1e-9, "peak");
  near(r[18], 50, 1e-9, "trough");
  near(r[0], 100, 1e-9, "a quarter period before the peak");
  equal(r.indexOf(Math.max(...r)), 6);
  equal(r.indexOf(Math.min(...r)), 18);
  // Noise is seeded: same seed same load, another seed another load, mean about the noiseless curve.
  const spec: WorkloadSpec = { type: "diurnal", rate: 100, periodSteps: 24, noise: 0.1 };
  deepEqual(await rates(spec, { steps: 30, seed: 4 }), await rates(spec, { steps: 30, seed: 4 }));
  const a = entry(await rates(spec, { steps: 30, seed: 4 })),
    b = entry(await rates(spec, { steps: 30, seed: 5 }));
  ok(a.some((v, i) => v !== b[i]));
  const long = entry(
    await rates({ type: "diurnal", rate: 100, periodSteps: 24, noise: 0.1 }, { steps: 2400 }),
  );
  near(long.reduce((x, y) => x + y) / long.length, 100, 1, "mean over 100 periods");
});

Deno.test("flash crowd: the multiplier inside its window, the base rate outside", async () => {
  const r = entry(
    await rates({ type: "flash-crowd", rate: 100, multiplier: 4, startStep: 10, durationSteps: 5 }, {
      steps: 20,
    }),
  );
  deepEqual(r.slice(8, 17), [100, 100, 400, 400, 400, 400, 400, 100, 100]);
  // A ramp of 1 step: half way at both ends of the window (1 + 3 · 0.5 = 2.5).
  const ramp = entry(
    await rates({
      type: "flash-crowd",
      rate: 100,
      multiplier: 4,
      startStep: 10,
      durationSteps: 5,
      rampSteps: 1,
    }, {
      steps: 16,
    }),
  );
  deepEqual(ramp.slice(9, 16), [100, 250, 400, 400, 400, 250, 100]);
});

Deno.test("bursty: base or multiplied rate, bursts as frequent as their probability says", async () => {
  const r = entry(
    await rates({ type: "bursty", rate: 100, burstProbability: 0.1, burstSteps: 3, multiplier: 3 }, {
      steps: 4000,
    }),
  );
  ok(r.every((v) => v === 100 || v === 300));
  // A step is in a burst when one started in the last 3 steps: 1 − 0.9³ = 0.271.
  near(r.filter((v) => v === 300).length / r.length, 0.271, 0.03, "share of burst steps");
  // A burst lasts at least burstSteps steps.
  for (let t = 1; t < r.length - 3; t++) {
    if (r[t] === 300 && r[t - 1] === 100) deepEqual(r.slice(t, t + 3), [300, 300, 300]);
  }
});

Deno.test("random walk: stays within its bounds, moves, and replays for the same seed", async () => {
  const spec: WorkloadSpec = { type: "random-walk", rate: 100, volatility: 0.2, min: 0.5, max: 2 };
  const r = entry(await rates(spec, { steps: 2000 }));
  ok(r.every((v) => v >= 50 - 1e-9 && v <= 200 + 1e-9), "within [50, 200]");
  equal(r[0], 100);
  ok(new Set(r).size > 1000);
  ok(Math.max(...r) > 150 && Math.min(...r) < 70, "explores its range");
  deepEqual(await rates(spec, { steps: 50 }), await rates(spec, { steps: 50 }));
  // Asking an earlier step again gives the same value (random access replays).
  const w = await createWorkload(spec, { topology: app, stepSeconds: 15, baseDir: "." });
  w.reset(new Random(1));
  const out = new Float64Array(2);
  w.externalRates(30, out);
  const first = out[0];
  w.externalRates(60, out);
  w.externalRates(30, out);
  equal(out[0], first);
});

Deno.test("bad workload options are InputErrors naming the field", async () => {
  await rejects(() => rates({ type: "diurnal", periodSteps: 0 }, { steps: 1 }), /workload\.periodSteps/);
  await rejects(() => rates({ type: "constant", service: "zz" }, { steps: 1 }), /workload\.service: "zz"/);
  await rejects(() => rates({ type: "csv" }, { steps: 1 }), /workload\.path is required/);
});

Deno.test("csv: per-service rates held between timestamps, looping after the last", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/load.csv`;
    await Deno.writeTextFile(path, "timestamp,service,rate\n0,a,10\n0,b,5\n30,a,20\n15,b,7\n");
    const w = await loadCsvWorkload(path, { services: ["a", "b"], stepSeconds: 15 });
    const out = new Float64Array(2);
    const at = (step: number) => (w.externalRates(step, out), [...out]);
    // Times 0, 15, 30; the period is 30 + the 15 s spacing = 45 s.
    deepEqual([at(0), at(1), at(2), at(3), at(4)], [[10, 5], [10, 7], [20, 7], [10, 5], [10, 7]]);
    const hold = await loadCsvWorkload(path, {
      services: ["a", "b"],
      stepSeconds: 15,
      loop: false,
      scale: 2,
    });
    hold.externalRates(7, out);
    deepEqual([...out], [40, 14]);
    // Through the plugin's spec, relative to baseDir.
    const fromSpec = await createWorkload({ type: "csv", path: "load.csv" }, {
      topology: app,
      stepSeconds: 15,
      baseDir: dir,
    });
    fromSpec.externalRates(2, out);
    deepEqual([...out], [20, 7]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("csv: a bad line is an InputError naming file:line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, RegExp][] = [
      ["timestamp,service,rate\n0,a,10\n15,zz,7\n", /load\.csv:3: "zz" is not a service/],
      ["0,a,10\n\n15,a,-1\n", /load\.csv:3: rate "-1" must be a finite number ≥ 0/],
      ["0,a,10\nsoon,a,1\n", /load\.csv:2: timestamp "soon"/],
      ["0,a,10\n15,a\n", /load\.csv:2: expected 3 fields/],
      ["0,a,10\n15,a,abc\n", /load\.csv:2: rate "abc"/],
      ["timestamp,service,rate\n", /load\.csv: no rows/],
    ];
    for (const [text, pattern] of cases) {
      const path = `${dir}/load.csv`;
      await Deno.writeTextFile(path, text);
      await rejects(
        () => loadCsvWorkload(path, { services: ["a", "b"], stepSeconds: 15 }),
        (e: Error) => e instanceof InputError && pattern.test(e.message) && e.message.startsWith(path),
        `expected ${pattern}`,
      );
    }
    await rejects(
      () => loadCsvWorkload(`${dir}/missing.csv`, { services: ["a"], stepSeconds: 15 }),
      /missing\.csv: cannot read/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
