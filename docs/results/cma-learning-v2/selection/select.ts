// Reward-weight selection for cma-learning-v2 on the training seeds only:
//   deno run -A docs/results/cma-learning-v2/selection/select.ts examples/experiments/cma_learning_v2_selection.json
// Calibrates the HPA once on the training seeds (its violations and replica-hours do not depend on the
// reward), trains CMA for every candidate scenario of the spec with the experiment's budget (2 child
// processes at once; finished runs are reused), then evaluates every trained CMA deterministically on
// episodes seeded with the training seeds (evalEpisodeLength steps), like the calibration, and writes
// selection.json and a table next to this file. The spec's eval seeds are never used.
import { join, resolve } from "node:path";
import { createRegistry } from "../../../../mod.ts";
import { _loadExperimentSpec } from "../../../../core/_experiment_spec.ts";
import { _trainAll, _trainingJobs } from "../../../../core/_experiment_jobs.ts";
import { _calibrateHpa } from "../../../../core/_experiment_calibrate.ts";
import { _evaluateScenario } from "../../../../core/_experiment_evaluate.ts";

const registry = createRegistry();
const spec = await _loadExperimentSpec(Deno.args[0]);
spec.evalSeeds = [...spec.trainSeeds];
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const cli = resolve(new URL("../../../../cli.ts", import.meta.url).pathname);
const perms = ["--allow-read", "--allow-write", "--allow-env", "--allow-net", "--allow-import", "--allow-sys"];
const self = [Deno.execPath(), "run", ...perms, cli, "experiment"];

const hpa = await _calibrateHpa(spec.scenarios[0], { registry, spec, log });
const jobs = _trainingJobs(spec);
await _trainAll(jobs, { registry, spec, self, log });

const staticCal = {
  seeds: spec.trainSeeds,
  meanLoad: NaN,
  threshold: 0.05,
  candidates: [],
  replicas: 2,
  met: true,
};
const rows = [];
for (const scenario of spec.scenarios) {
  const evaluation = await _evaluateScenario(scenario, {
    registry,
    spec,
    jobs: jobs.filter((j) => j.scenario.name === scenario.name),
    calibration: { hpa, static: staticCal },
    log,
  });
  const cma = evaluation.policies[0];
  rows.push({
    scenario: scenario.name,
    overrides: scenario.overrides,
    sloViolationRate: cma.summary.sloViolationRate.mean,
    replicaHours: cma.summary.replicaHours.mean,
    meanReward: cma.summary.meanReward.mean,
    p95: cma.summary.p95LatencyMs.mean,
    perSeed: cma.runs.map((r) => ({
      seed: r.trainingSeed,
      sloViolationRate: r.mean.sloViolationRate,
      replicaHours: r.mean.replicaHours,
      meanReward: r.mean.meanReward,
    })),
    hpaRewardUnderTheseWeights: evaluation.policies[1].summary.meanReward.mean,
  });
}
const chosenHpa = hpa.candidates.find((c) => c.value === hpa.target)!;
const out = {
  spec: Deno.args[0],
  seeds: spec.trainSeeds,
  episodeLength: spec.budget.evalEpisodeLength,
  hpa: {
    target: hpa.target,
    sloViolationRate: chosenHpa.sloViolationRate,
    replicaHours: chosenHpa.replicaHours,
    candidates: hpa.candidates.map((c) => ({
      target: c.value,
      sloViolationRate: c.sloViolationRate,
      replicaHours: c.replicaHours,
    })),
  },
  candidates: rows,
};
const here = new URL(".", import.meta.url).pathname;
await Deno.writeTextFile(join(here, "selection.json"), JSON.stringify(out, null, 1) + "\n");
console.log(
  `hpa target ${hpa.target}: violations ${chosenHpa.sloViolationRate.toFixed(4)}, replica-hours ${
    chosenHpa.replicaHours.toFixed(3)
  }`,
);
for (const r of rows) {
  console.log(
    `${r.scenario}: violations ${r.sloViolationRate.toFixed(4)}, replica-hours ${
      r.replicaHours.toFixed(3)
    }, reward ${r.meanReward.toFixed(4)}; per seed ${
      r.perSeed.map((s) => `${s.sloViolationRate.toFixed(4)}/${s.replicaHours.toFixed(2)}`).join(" ")
    }`,
  );
}
