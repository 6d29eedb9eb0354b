import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { join } from "node:path";
import { chooseHpaTarget, chooseStaticReplicas, runExperiment } from "../../core/experiment.ts";
import type { ExperimentSummary, PolicyResult } from "../../core/experiment.ts";
import { _resolveExperimentSpec } from "../../core/_experiment_spec.ts";
import { _deepMerge, _trainingResetSeeds } from "../../core/_experiment_jobs.ts";
import { _curve } from "../../core/_experiment_report.ts";
import { meanInterval } from "../../core/report.ts";
import { InputError } from "../../core/errors.ts";
import { deriveSeed, Random } from "../../core/random.ts";
import { createRegistry } from "../../mod.ts";

const SMOKE = new URL("../../examples/experiments/smoke.json", import.meta.url).pathname;
const close = (a: number, b: number, eps = 1e-9) => Math.abs(a - b) <= eps * Math.max(1, Math.abs(b));

Deno.test("the HPA rule: fewest violations within the tolerance, then fewest replica-hours, then the higher target", () => {
  const candidates = [
    { value: 0.3, sloViolationRate: 0.010, replicaHours: 20 },
    { value: 0.4, sloViolationRate: 0.014, replicaHours: 16 }, // within 0.005 of 0.010: tied, cheaper
    { value: 0.5, sloViolationRate: 0.016, replicaHours: 12 }, // 0.006 above the best: not tied
    { value: 0.6, sloViolationRate: 0.012, replicaHours: 16 }, // tied with 0.4 on both: higher target wins
  ];
  strictEqual(chooseHpaTarget(candidates, 0.005), 0.6);
  strictEqual(chooseHpaTarget(candidates, 0), 0.3);
  strictEqual(chooseHpaTarget(candidates, 0.01), 0.5);
});

Deno.test("the static rule: the smallest count meeting the threshold, else the fewest violations", () => {
  const candidates = [
    { value: 1, sloViolationRate: 0.4 },
    { value: 2, sloViolationRate: 0.04 },
    { value: 3, sloViolationRate: 0.01 },
  ];
  deepStrictEqual(chooseStaticReplicas(candidates, 0.05), { replicas: 2, met: true });
  deepStrictEqual(chooseStaticReplicas(candidates, 0.005), { replicas: 3, met: false });
  deepStrictEqual(
    chooseStaticReplicas([{ value: 1, sloViolationRate: 0.3 }, { value: 2, sloViolationRate: 0.3 }], 0.1),
    { replicas: 1, met: false },
  );
});

Deno.test("overrides merge objects deeply and replace arrays and values", () => {
  const base = { env: { options: { edgeNodes: 3, workload: { type: "diurnal" } } }, deltas: [-1, 0, 1] };
  deepStrictEqual(_deepMerge(base, { env: { options: { workload: { rate: 5 } } }, deltas: [-2, 2] }), {
    env: { options: { edgeNodes: 3, workload: { type: "diurnal", rate: 5 } } },
    deltas: [-2, 2],
  });
  deepStrictEqual(base.deltas, [-1, 0, 1]);
});

Deno.test("spec errors name the file and the JSON path", async () => {
  const good = JSON.parse(await Deno.readTextFile(SMOKE));
  const bad = (patch: unknown) => () => _resolveExperimentSpec(_deepMerge(good, patch), "/x/my_spec.json");
  const check = (patch: unknown, pattern: RegExp) => {
    let message = "";
    try {
      bad(patch)();
    } catch (e) {
      ok(e instanceof InputError, `expected an InputError, got ${e}`);
      message = e.message;
    }
    ok(pattern.test(message), `message ${JSON.stringify(message)} should match ${pattern}`);
  };
  check({ budget: { episodez: 3 } }, /^my_spec\.json: \/budget\/episodez is not a known field/);
  check({ budget: { envs: 0 } }, /my_spec\.json: \/budget\/envs must be >= 1/);
  check({ seeds: { eval: [2, 300] } }, /my_spec\.json: \/seeds\/eval shares seeds with \/seeds\/train \(2\)/);
  check({ scenarios: [{ pipeline: "a.json" }] }, /my_spec\.json: \/scenarios\/0\/name is required/);
  const spec = _resolveExperimentSpec(good, "/x/my_spec.json");
  strictEqual(spec.scenarios[0].pipeline, "/pipelines/quickstart.json");
  strictEqual(spec.budget.evalEpisodeLength, 6);
});

Deno.test("training reset seeds follow the trainer generator, copies in order", () => {
  const r = new Random(deriveSeed(9, "trainer"));
  const expected = Array.from({ length: 6 }, () => r.nextUint32());
  deepStrictEqual(_trainingResetSeeds(9, { episodes: 3, envs: 2 }), expected);
});

Deno.test("learning curve: mean over runs per episode, then a trailing moving average", () => {
  const runs = [
    [{ r: 1 }, { r: 3 }, { r: 5 }],
    [{ r: 3 }, { r: 5 }, { r: 7 }, { r: 100 }], // the 4th episode is missing from the other run
  ];
  // means 2, 4, 6; window 2: 2, 3, 5
  deepStrictEqual(_curve(runs, { metric: "r", window: 2 }), [2, 3, 5]);
});

Deno.test("the smoke experiment runs end to end and its report holds together", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cma-experiment-" });
  try {
    const out = join(dir, "runs"), report = join(dir, "report");
    const result = await runExperiment(SMOKE, { registry: createRegistry(), out, report });
    for (const f of ["report.md", "summary.json", "boutique-smoke_curve_reward.svg"]) {
      ok(result.files.includes(f), `${f} written`);
    }
    ok(result.files.includes("boutique-smoke_attention_dependency.svg"), "CMA's attention is charted");
    const summary = JSON.parse(await Deno.readTextFile(join(report, "summary.json"))) as ExperimentSummary;
    strictEqual(summary.scenarios.length, 1);
    const s = summary.scenarios[0];
    deepStrictEqual(s.policies.map((p) => [p.label, p.kind]), [
      ["CMA (trained)", "trained"],
      ["CMA (untrained)", "untrained"],
      ["ablation: mlp + mean (trained)", "trained"],
      [`hpa (calibrated, target ${s.calibration.hpa.target})`, "baseline"],
      [`static (${s.calibration.static.replicas} per service)`, "baseline"],
    ]);

    // Seeds: training roots, calibration and training resets are all disjoint from the evaluation seeds.
    deepStrictEqual(summary.seeds.train, [1, 2]);
    deepStrictEqual(summary.seeds.eval, [101, 102]);
    strictEqual(summary.seeds.trainingResets, 2 * 2 * 2 * 2); // variants × seeds × episodes × envs
    const resets = [1, 2].flatMap((seed) => _trainingResetSeeds(seed, { episodes: 2, envs: 2 }));
    const trainingSide = new Set([...summary.seeds.train, ...resets, ...s.calibration.hpa.seeds]);
    for (const seed of summary.seeds.eval) {
      ok(!trainingSide.has(seed), `eval seed ${seed} unused in training`);
    }
    for (const p of s.policies) deepStrictEqual(p.evalSeeds, [101, 102]);

    // Learned rows: one run per training seed, interval over the runs' means, recomputed by hand.
    const cma = s.policies[0] as PolicyResult;
    deepStrictEqual(cma.runs.map((r) => r.trainingSeed), [1, 2]);
    for (const run of cma.runs) {
      strictEqual(run.episodes.length, 2);
      ok(close(run.mean.meanReward, (run.episodes[0].meanReward + run.episodes[1].meanReward) / 2, 1e-5));
    }
    const rewards = cma.runs.map((r) => r.mean.meanReward);
    ok(close(cma.summary.meanReward.mean, (rewards[0] + rewards[1]) / 2, 1e-5));
    // two values: half-width = t(0.975, 1) · |a − b| / 2 = 12.7062 · |a − b| / 2
    ok(close(cma.summary.meanReward.halfWidth, 12.7062 * Math.abs(rewards[0] - rewards[1]) / 2, 1e-4));
    strictEqual(cma.summary.meanReward.n, 2);
    // Baseline rows: interval over the evaluation episodes.
    const hpa = s.policies[3];
    const v = hpa.runs[0].episodes.map((e) => e.sloViolationRate);
    ok(close(hpa.summary.sloViolationRate.mean, (v[0] + v[1]) / 2, 1e-5));
    ok(close(hpa.summary.sloViolationRate.halfWidth, meanInterval(v).halfWidth, 1e-4));

    // The HPA calibration picked what its own rule implies from the recorded candidates (worked by hand).
    const { candidates, tolerance, target } = s.calibration.hpa;
    deepStrictEqual(candidates.map((c) => c.value), [0.3, 0.5, 0.7, 0.9]);
    for (const c of candidates) {
      ok(close(c.sloViolationRate, c.episodes.reduce((a, e) => a + e.sloViolationRate, 0) / 2, 1e-5));
    }
    const lowest = Math.min(...candidates.map((c) => c.sloViolationRate));
    const tied = candidates.filter((c) => c.sloViolationRate <= lowest + tolerance);
    const cheapest = Math.min(...tied.map((c) => c.replicaHours));
    strictEqual(target, Math.max(...tied.filter((c) => c.replicaHours === cheapest).map((c) => c.value)));
    // Static: counts from 1, the choice is the first meeting the threshold, or the fewest violations.
    const st = s.calibration.static;
    deepStrictEqual(st.candidates.map((c) => c.value), st.candidates.map((_, i) => i + 1));
    const meeting = st.candidates.find((c) => c.sloViolationRate <= st.threshold);
    if (meeting) strictEqual(st.replicas, meeting.value);
    else {strictEqual(
        st.replicas,
        [...st.candidates].sort((a, b) => a.sloViolationRate - b.sloViolationRate)[0].value,
      );}
    ok(st.meanLoad > 0);

    // Learning curves: window 1, so the mean over seeds of each episode's training reward.
    const m1 = (await Deno.readTextFile(join(out, "boutique-smoke/cma/seed-1/metrics.jsonl"))).trim().split(
      "\n",
    )
      .map((l) => JSON.parse(l));
    const m2 = (await Deno.readTextFile(join(out, "boutique-smoke/cma/seed-2/metrics.jsonl"))).trim().split(
      "\n",
    )
      .map((l) => JSON.parse(l));
    deepStrictEqual(s.curves[0].steps, [10, 20]); // episode × 5 steps × 2 copies
    ok(close(s.curves[0].reward[1], (m1[1].reward + m2[1].reward) / 2, 1e-5));

    // The report shows each row with its interval and the calibration choice.
    const md = await Deno.readTextFile(join(report, "report.md"));
    const fmt = (x: number, d: number) => x.toFixed(d);
    ok(md.includes(`| CMA (trained) | ${fmt(cma.summary.sloViolationRate.mean, 4)} ± `), "CMA row");
    ok(md.includes(`chosen target **${target}**`));
    ok(md.includes("deno task experiment examples/experiments/smoke.json"));
    ok(/beats its untrained start on reward: \*\*(yes|no)\*\*/.test(md));
    strictEqual(
      s.verdicts.beatsUntrainedOnReward,
      cma.summary.meanReward.mean > s.policies[1].summary.meanReward.mean,
    );

    // A second run reuses the finished trainings (nothing retrained) and gives the same numbers.
    const again = await runExperiment(SMOKE, { registry: createRegistry(), out, report: join(dir, "again") });
    deepStrictEqual(
      again.summary.scenarios[0].policies.map((p) => p.summary.meanReward.mean),
      result.summary.scenarios[0].policies.map((p) => p.summary.meanReward.mean),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unreadable spec is an InputError naming it", async () => {
  await rejects(
    runExperiment("/nonexistent/spec.json", { registry: createRegistry() }),
    (e: unknown) => e instanceof InputError && e.message.startsWith("/nonexistent/spec.json: cannot read"),
  );
});
