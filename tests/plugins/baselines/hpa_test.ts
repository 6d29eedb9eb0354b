import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import { HPA_OPTIONS_SCHEMA, hpaPlugin } from "../../../plugins/baselines/hpa.ts";
import type { HpaOptions } from "../../../plugins/baselines/hpa.ts";
import type { EnvSpec } from "../../../core/environment.ts";
import type { Policy } from "../../../core/models.ts";
import { InputError } from "../../../core/errors.ts";
import { makeSpec, observe } from "./_spec.ts";
import type { TargetState } from "./_spec.ts";

async function hpa(options: HpaOptions, spec: EnvSpec = makeSpec()): Promise<Policy> {
  return await hpaPlugin.create(options, { seed: 1, baseDir: ".", spec });
}

/** Desired replicas of the single target of copy 0. */
async function decide(policy: Policy, state: TargetState, spec: EnvSpec = makeSpec()): Promise<number> {
  const [out] = await policy.act([observe(spec, [state])]);
  return out[0];
}

const NO_DOWN_WINDOW = { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } };

Deno.test("hpa scales up to ceil(ready × metric / target)", async () => {
  // 2 ready at 90% CPU, target 60%: ratio 1.5, ceil(2 × 1.5) = 3 (limit max(2·2, 2+4) = 6 allows it).
  assertEquals(await decide(await hpa({}), { replicas: 2, cpuUtilization: 0.9 }), 3);
  // 4 ready at 75%: ratio 1.25, ceil(5) = 5.
  assertEquals(await decide(await hpa({}), { replicas: 4, cpuUtilization: 0.75 }), 5);
});

Deno.test("hpa keeps replicas inside the tolerance band", async () => {
  // 0.63/0.6 = 1.05 and 0.57/0.6 = 0.95: |ratio − 1| ≤ 0.1, no change.
  assertEquals(await decide(await hpa({}), { replicas: 4, cpuUtilization: 0.63 }), 4);
  assertEquals(await decide(await hpa(NO_DOWN_WINDOW), { replicas: 4, cpuUtilization: 0.57 }), 4);
  // 0.69/0.6 = 1.15 leaves the band: ceil(4 × 1.15) = ceil(4.6) = 5.
  assertEquals(await decide(await hpa({}), { replicas: 4, cpuUtilization: 0.69 }), 5);
  // A tolerance of 0.2 keeps it.
  assertEquals(await decide(await hpa({ tolerance: 0.2 }), { replicas: 4, cpuUtilization: 0.69 }), 4);
});

Deno.test("hpa clamps to the spec's and the options' min/max", async () => {
  const spec = makeSpec({}, { min: 1, max: 10 });
  // 6 at 120%: ceil(6 × 2) = 12 > max 10 → 10.
  assertEquals(await decide(await hpa({}, spec), { replicas: 6, cpuUtilization: 1.2 }, spec), 10);
  // The option narrows the spec's max: 5 at 120% → 10 → 8.
  assertEquals(
    await decide(await hpa({ maxReplicas: 8 }, spec), { replicas: 5, cpuUtilization: 1.2 }, spec),
    8,
  );
  // Scale-down to ceil(4 × 0.1) = 1 stops at the option's min 2.
  const down = await hpa({ minReplicas: 2, ...NO_DOWN_WINDOW }, spec);
  assertEquals(await decide(down, { replicas: 4, cpuUtilization: 0.06 }, spec), 2);
  // Current replicas below the minimum are raised to it, whatever the metric.
  assertEquals(
    await decide(await hpa({ minReplicas: 3 }, spec), { replicas: 2, cpuUtilization: 0 }, spec),
    3,
  );
  // Kubernetes' default minReplicas 1: an idle service is not scaled to zero even where the environment
  // allows 0, and a target the environment caps at 0 (a service the node does not host) stays at 0.
  const zero = makeSpec({ services: ["api", "db"] }, { min: 0, max: 10 });
  zero.maxReplicas[1] = 0;
  const idle = await hpa(NO_DOWN_WINDOW, zero);
  const [out] = await idle.act([observe(zero, [{ replicas: 2, cpuUtilization: 0 }, { replicas: 0 }])]);
  assertEquals([...out], [1, 0]);
  // Above the maximum: lowered to it.
  assertEquals(
    await decide(await hpa({ maxReplicas: 4 }, spec), { replicas: 7, cpuUtilization: 0.6 }, spec),
    4,
  );
});

Deno.test("hpa holds a scale-down for the 300 s stabilisation window, then releases it", async () => {
  const policy = await hpa({});
  // t = 0: at target, recommendation 4 is recorded.
  assertEquals(await decide(policy, { replicas: 4, cpuUtilization: 0.6 }), 4);
  // From t = 15 s the load halves: the metric asks for ceil(4 × 0.5) = 2, but the highest
  // recommendation younger than 300 s is still the 4 of t = 0 — for t = 15 … 285 s (steps 1–19).
  for (let step = 1; step <= 19; step++) {
    assertEquals(await decide(policy, { replicas: 4, cpuUtilization: 0.3 }), 4, `step ${step}`);
  }
  // t = 300 s: the 4 of t = 0 is 300 s old, out of the window; every recent one is 2.
  assertEquals(await decide(policy, { replicas: 4, cpuUtilization: 0.3 }), 2);
});

Deno.test("hpa scale-up behaviour: Pods 4 vs Percent 100 under selectPolicy Max and Min", async () => {
  // 2 at 300% asks for ceil(2 × 5) = 10; Percent 100 allows 4, Pods 4 allows 6.
  const at = { replicas: 2, cpuUtilization: 3 };
  assertEquals(await decide(await hpa({}), at), 6);
  assertEquals(await decide(await hpa({ behavior: { scaleUp: { selectPolicy: "Min" } } }), at), 4);
  // 10 at 120% asks for 20; Percent allows 20, Pods 14.
  const big = { replicas: 10, cpuUtilization: 1.2 };
  assertEquals(await decide(await hpa({}), big), 20);
  assertEquals(await decide(await hpa({ behavior: { scaleUp: { selectPolicy: "Min" } } }), big), 14);
});

Deno.test("hpa counts scale events within a policy period (60 s = 4 steps of 15 s)", async () => {
  const policy = await hpa({
    behavior: { scaleUp: { policies: [{ type: "Pods", value: 4, periodSeconds: 60 }] } },
  });
  // t = 0: 2 → 6 (+4 recorded).
  assertEquals(await decide(policy, { replicas: 2, cpuUtilization: 3 }), 6);
  // t = 15, 30, 45: the +4 of t = 0 is within 60 s, the period started at 2: 2 + 4 = 6, no more.
  for (let step = 1; step <= 3; step++) {
    assertEquals(await decide(policy, { replicas: 6, cpuUtilization: 3 }), 6, `step ${step}`);
  }
  // t = 60: the event left the period: 6 + 4 = 10.
  assertEquals(await decide(policy, { replicas: 6, cpuUtilization: 3 }), 10);
});

Deno.test("hpa scale-down behaviour: Percent 50 and Pods 1 under Max and Min", async () => {
  const policies = [{ type: "Percent" as const, value: 50, periodSeconds: 15 }, {
    type: "Pods" as const,
    value: 1,
    periodSeconds: 15,
  }];
  const at = { replicas: 8, cpuUtilization: 0.06 }; // asks for ceil(8 × 0.1) = 1
  const max = await hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies } } });
  assertEquals(await decide(max, at), 4); // the larger change: 8 × 50% = 4 left
  const min = await hpa({
    behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies, selectPolicy: "Min" } },
  });
  assertEquals(await decide(min, at), 7); // the smaller change: 8 − 1
});

Deno.test("hpa selectPolicy Disabled blocks that direction only", async () => {
  const noUp = await hpa({ behavior: { scaleUp: { selectPolicy: "Disabled" } } });
  assertEquals(await decide(noUp, { replicas: 2, cpuUtilization: 3 }), 2);
  const noDown = await hpa({
    behavior: { scaleDown: { selectPolicy: "Disabled", stabilizationWindowSeconds: 0 } },
  });
  assertEquals(await decide(noDown, { replicas: 4, cpuUtilization: 0.06 }), 4);
  assertEquals(await decide(noDown, { replicas: 2, cpuUtilization: 0.9 }), 3);
});

Deno.test("hpa keeps replicas when the metric is missing", async () => {
  assertEquals(await decide(await hpa({}), { replicas: 3, cpuUtilization: NaN }), 3);
  // No ready replica reports the metric.
  assertEquals(await decide(await hpa({}), { replicas: 3, ready: 0, cpuUtilization: 2 }), 3);
  // The metric is not a feature of the environment.
  const spec = makeSpec({}, { features: ["replicas", "readyReplicas", "arrivalRate"] });
  assertEquals(await decide(await hpa({}, spec), { replicas: 3, arrivalRate: 100 }, spec), 3);
  assertEquals(await decide(await hpa({ metric: "queueLength" }), { replicas: 3, cpuUtilization: 2 }), 3);
});

Deno.test("hpa reads any metric by name and dampens scale-ups while replicas start", async () => {
  // p95 latency 250 ms against a 100 ms target: ceil(2 × 2.5) = 5.
  const latency = await hpa({ metric: "p95LatencyMs", target: 100 });
  assertEquals(await decide(latency, { replicas: 2, p95LatencyMs: 250 }), 5);
  // 4 replicas, 2 ready at 90%: counting the 2 starting ones at 0%, 0.9 × 2 / (0.6 × 4) = 0.75 → keep 4.
  assertEquals(await decide(await hpa({}), { replicas: 4, ready: 2, cpuUtilization: 0.9 }), 4);
  // 3 of 4 ready at 120%: 1.2 × 3 / (0.6 × 4) = 1.5 → ceil(1.5 × 4) = 6.
  assertEquals(await decide(await hpa({}), { replicas: 4, ready: 3, cpuUtilization: 1.2 }), 6);
});

Deno.test("hpa keeps a history per environment copy; reset(copy) clears only that copy", async () => {
  const spec = makeSpec({ nodes: 2, services: ["a", "b"] });
  const policy = await hpa({}, spec);
  const calm = observe(spec, Array(4).fill({ replicas: 4, cpuUtilization: 0.6 }));
  const low = observe(spec, [
    { replicas: 4, cpuUtilization: 0.3 },
    { replicas: 4, cpuUtilization: 0.6 },
    { replicas: 2, cpuUtilization: 0.9 },
    { replicas: 4, cpuUtilization: 0.3 },
  ]);
  // Copy 0 records 4 everywhere; copy 1 has no history, so its scale-downs (to 2) happen at once.
  const [c0, c1] = await policy.act([calm, low]);
  assertEquals([...c0], [4, 4, 4, 4]);
  assertEquals([...c1], [2, 4, 3, 2]);
  // Copy 0 now sees the low load: held at 4 by its own window; copy 1 goes on unaffected.
  const [d0, d1] = await policy.act([low, low]);
  assertEquals([...d0], [4, 4, 3, 4]);
  assertEquals([...d1], [2, 4, 3, 2]);
  // After reset(0), copy 0 has forgotten its 4s.
  policy.reset(0);
  const [e0] = await policy.act([low]);
  assertEquals([...e0], [2, 4, 3, 2]);
});

Deno.test("hpa options schema fills Kubernetes' defaults and rejects unknown keys", () => {
  const validate = new Ajv2020({ useDefaults: true, strict: false }).compile(HPA_OPTIONS_SCHEMA);
  const options: Record<string, unknown> = {};
  assertEquals(validate(options), true);
  assertEquals(options, {
    metric: "cpuUtilization",
    target: 0.6,
    tolerance: 0.1,
    minReplicas: 1,
    behavior: {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 100, periodSeconds: 15 }, {
          type: "Pods",
          value: 4,
          periodSeconds: 15,
        }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
      },
    },
  });
  assertEquals(validate({ targt: 0.5 }), false);
  assertEquals(validate({ behavior: { scaleUp: { selectPolicy: "Fastest" } } }), false);
  throws(() => hpaPlugin.create({ target: 0 }, { seed: 1, baseDir: ".", spec: makeSpec() }), InputError);
});
