import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  emptyMmcSolution,
  erlangC,
  PercentileTable,
  responsePercentile,
  responseTail,
  solveMmc,
} from "../../../envs/simulator/queueing.ts";

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`,
  );

Deno.test("erlangC: M/M/1 waits with probability ρ", () => {
  close(erlangC(1, 0.5), 0.5, 1e-12, "C(1, 0.5)");
  close(erlangC(1, 0.9), 0.9, 1e-12, "C(1, 0.9)");
});

Deno.test("erlangC: hand-computed M/M/2 and M/M/3 values", () => {
  // c = 2, a = 1 (ρ = 0.5): (a²/2! · 1/(1−ρ)) / (1 + a + a²/2! · 1/(1−ρ)) = 1 / (1 + 1 + 1) = 1/3
  close(erlangC(2, 1), 1 / 3, 1e-12, "C(2, 1)");
  // c = 2, a = 0.5 (ρ = 0.25): (0.125/0.75) / (1 + 0.5 + 0.125/0.75) = 0.1666…/1.6666… = 0.1
  close(erlangC(2, 0.5), 0.1, 1e-12, "C(2, 0.5)");
  // c = 3, a = 2 (ρ = 2/3): (8/6 · 3) / (1 + 2 + 2 + 4) = 4/9
  close(erlangC(3, 2), 4 / 9, 1e-12, "C(3, 2)");
  equal(erlangC(3, 0), 0);
  equal(erlangC(2, 2), 1, "an unstable queue always waits");
  throws(() => erlangC(0, 1), RangeError);
});

Deno.test("solveMmc: mean response C/(cμ − λ) + 1/μ", () => {
  const sol = emptyMmcSolution();
  // M/M/1, λ = 50, μ = 100: 1/(μ − λ) = 20 ms.
  solveMmc({ servers: 1, arrivalRate: 50, serviceRate: 100 }, sol);
  close(sol.meanResponse, 0.02, 1e-12, "M/M/1 mean");
  // M/M/2, λ = 100, μ = 100: (1/3)/100 + 1/100 = 13.333 ms.
  solveMmc({ servers: 2, arrivalRate: 100, serviceRate: 100 }, sol);
  close(sol.meanResponse, 0.04 / 3, 1e-12, "M/M/2 mean");
  equal(sol.waitRate, 100);
  // M/M/2, λ = 50, μ = 100: 0.1/150 + 0.01 = 10.667 ms.
  solveMmc({ servers: 2, arrivalRate: 50, serviceRate: 100 }, sol);
  close(sol.meanResponse, 0.0106666666667, 1e-12, "M/M/2 light mean");
  // No load: pure service time.
  solveMmc({ servers: 4, arrivalRate: 0, serviceRate: 50 }, sol);
  deepEqual([sol.waitProbability, sol.meanResponse], [0, 0.02]);
});

Deno.test("responseTail and responsePercentile: hand-computed tails and percentiles", () => {
  const sol = emptyMmcSolution();
  // M/M/1, λ = 50, μ = 100: T ~ Exp(50), so P(T > t) = e^{−50t} and p95 = ln 20 / 50 = 59.915 ms.
  solveMmc({ servers: 1, arrivalRate: 50, serviceRate: 100 }, sol);
  close(responseTail(sol, 0.01), Math.exp(-0.5), 1e-12, "M/M/1 tail");
  close(responsePercentile(sol, 0.95), 0.0599146454711, 1e-9, "M/M/1 p95");
  close(responsePercentile(sol, 0.99), Math.log(100) / 50, 1e-9, "M/M/1 p99");
  // M/M/2, λ = 50, μ = 100 (θ = 150 ≠ μ), C = 0.1, t = 20 ms:
  // 0.9·e^{−2} + 0.1·(150·e^{−2} − 100·e^{−3})/50 = 0.121802 + 0.030643 = 0.152445
  solveMmc({ servers: 2, arrivalRate: 50, serviceRate: 100 }, sol);
  close(responseTail(sol, 0.02), 0.152444926210, 1e-9, "M/M/2 tail, θ ≠ μ");
  const p95 = responsePercentile(sol, 0.95);
  close(responseTail(sol, p95), 0.05, 1e-9, "tail at p95");
  // M/M/2, λ = 100, μ = 100 (θ = μ), C = 1/3, t = 50 ms: (2/3)·e^{−5} + (1/3)·(1 + 5)·e^{−5} = 0.0179679
  solveMmc({ servers: 2, arrivalRate: 100, serviceRate: 100 }, sol);
  close(responseTail(sol, 0.05), 0.0179678586642, 1e-12, "M/M/2 tail, θ = μ");
  close(responsePercentile(sol, 0.95), 0.0381646030517, 1e-9, "M/M/2 p95, θ = μ");
  // No waiting: the percentile of Exp(μ), ln(20)/μ.
  solveMmc({ servers: 3, arrivalRate: 0, serviceRate: 200 }, sol);
  close(responsePercentile(sol, 0.95), Math.log(20) / 200, 1e-12, "no-load p95");
});

Deno.test("PercentileTable: within 0.2% of the exact percentile", () => {
  const table = new PercentileTable(0.95);
  const sol = emptyMmcSolution();
  let worst = 0;
  for (const servers of [1, 2, 3, 5, 8, 20]) {
    for (let rho = 0; rho < 0.99; rho += 0.0137) {
      const queue = { servers, arrivalRate: rho * servers * 37, serviceRate: 37 };
      const exact = responsePercentile(solveMmc(queue, sol), 0.95);
      worst = Math.max(worst, Math.abs(table.lookup(queue) - exact) / exact);
    }
  }
  ok(worst < 0.002, `worst relative error ${worst}`);
  // Exact on grid points: no load.
  close(table.lookup({ servers: 2, arrivalRate: 0, serviceRate: 100 }), Math.log(20) / 100, 1e-12, "ρ = 0");
});
