import { deepEqual, equal, rejects } from "node:assert/strict";
import { checkEnvironment, CHECKS } from "../../../core/check_environment.ts";
import { runControlLoop } from "../../../core/control_loop.ts";
import type { Policy } from "../../../core/models.ts";
import { harness } from "./_env_harness.ts";

Deno.test("k8s env: passes checkEnvironment, except the checks a live cluster cannot pass", async () => {
  const h = await harness();
  try {
    // A real cluster ignores seeds and reset() does not rewind it: the three determinism checks cannot
    // hold, so they are skipped. Every other check must pass.
    const live = ["reset-deterministic", "step-deterministic", "seed-changes-trajectory"] as const;
    const findings = await checkEnvironment(h.env, { skip: [...live] });
    deepEqual(findings.filter((f) => !f.ok), []);
    deepEqual(findings.filter((f) => f.message === "skipped").map((f) => f.name), [...live]);
    equal(findings.length, CHECKS.length);
  } finally {
    await h.close();
  }
});

Deno.test("k8s env: the control loop scales through it and stops cleanly on abort mid-run", async () => {
  const controller = new AbortController();
  let steps = 0;
  const h = await harness({}, {
    runtime: {
      sleep: () => {
        if (++steps === 2) controller.abort(); // SIGTERM during the second step's wait
        return Promise.resolve();
      },
    },
  });
  try {
    const lines: string[] = [];
    const policy: Policy = {
      reset() {},
      act: (batch) =>
        Promise.resolve(batch.map((o) => {
          const r = o.replicas.slice();
          r[0] += 1; // one more web replica on edge-0 per step
          return r;
        })),
    };
    const summary = await runControlLoop(h.env, {
      policy,
      log: (l) => lines.push(l),
      signal: controller.signal,
    });
    deepEqual(summary, { steps: 2, stoppedBy: "signal" });
    equal(h.api.deployments["shop/web-edge-0"].replicas, 4);
    deepEqual(lines.map((l) => JSON.parse(l).desired["edge-0"].web), [3, 4]);
    equal(JSON.parse(lines[1]).metrics.scaled, 1);
    await rejects(() => h.env.step(new Int32Array(4)), /closed/);
  } finally {
    await h.close();
  }
});
