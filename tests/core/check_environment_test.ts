import { deepEqual as assertEquals, ok as assert } from "node:assert/strict";
import { checkEnvironment, CHECKS, STANDARD_SERVICE_FEATURES } from "../../core/mod.ts";
import type { Observation, StepResult } from "../../core/mod.ts";
import { EdgeQueueEnvironment } from "../../examples/plugins/edge_queue_env.ts";

const OPTIONS = { edgeNodes: 2, services: 3, arrivalRate: 150, serviceRate: 100, sloMs: 50 };

function failing(findings: { name: string; ok: boolean }[]): string[] {
  return findings.filter((f) => !f.ok).map((f) => f.name);
}

Deno.test("checkEnvironment passes a correct environment with one finding per check", async () => {
  const findings = await checkEnvironment(new EdgeQueueEnvironment(OPTIONS, 10));
  assertEquals(findings.map((f) => f.name), [...CHECKS]);
  assertEquals(failing(findings), [], JSON.stringify(findings, null, 2));
});

let counter = 0;

/** One deliberately broken environment per fault, and the single finding it must produce. */
const BROKEN: [string, () => EdgeQueueEnvironment][] = [
  ["spec", () => {
    const env = new EdgeQueueEnvironment(OPTIONS, 10);
    env.spec.serviceFeatures = [...STANDARD_SERVICE_FEATURES].reverse();
    return env;
  }],
  ["observation-shape", () =>
    new class extends EdgeQueueEnvironment {
      override async reset(o?: { seed?: number }): Promise<Observation> {
        const obs = await super.reset(o);
        return { ...obs, calls: obs.calls.subarray(1) };
      }
    }(OPTIONS, 10)],
  ["step-shape", () =>
    new class extends EdgeQueueEnvironment {
      override async step(r: Int32Array): Promise<StepResult> {
        const result = await super.step(r);
        return { ...result, rewards: result.rewards.subarray(1) };
      }
    }(OPTIONS, 10)],
  ["reset-deterministic", () =>
    new class extends EdgeQueueEnvironment {
      override async reset(o?: { seed?: number }): Promise<Observation> {
        const obs = await super.reset(o);
        obs.services[0] += ++counter;
        return obs;
      }
    }(OPTIONS, 10)],
  ["step-deterministic", () =>
    new class extends EdgeQueueEnvironment {
      override async step(r: Int32Array): Promise<StepResult> {
        const result = await super.step(r);
        result.rewards[0] += ++counter;
        return result;
      }
    }(OPTIONS, 10)],
  ["seed-changes-trajectory", () =>
    new class extends EdgeQueueEnvironment {
      override reset(): Promise<Observation> {
        return super.reset({ seed: 0 });
      }
    }(OPTIONS, 10)],
  ["rejects-wrong-length", () =>
    new class extends EdgeQueueEnvironment {
      override step(r: Int32Array): Promise<StepResult> {
        return super.step(Float64Array.from({ length: 9 }, (_, i) => r[i] ?? 1) as unknown as Int32Array);
      }
    }(OPTIONS, 10)],
  ["rejects-negative", () =>
    new class extends EdgeQueueEnvironment {
      override step(r: Int32Array): Promise<StepResult> {
        return super.step(Float64Array.from(r, (v) => Math.max(0, v)) as unknown as Int32Array);
      }
    }(OPTIONS, 10)],
  ["rejects-non-integer", () =>
    new class extends EdgeQueueEnvironment {
      override step(r: Int32Array): Promise<StepResult> {
        return super.step(Int32Array.from(r, (v) => Math.round(v)));
      }
    }(OPTIONS, 10)],
  ["step-after-close", () =>
    new class extends EdgeQueueEnvironment {
      override close(): Promise<void> {
        return Promise.resolve();
      }
    }(OPTIONS, 10)],
];

for (const [fault, make] of BROKEN) {
  Deno.test(`checkEnvironment reports exactly "${fault}" for an environment broken that way`, async () => {
    const findings = await checkEnvironment(make());
    assertEquals(failing(findings), [fault], JSON.stringify(findings.filter((f) => !f.ok)));
    const finding = findings.find((f) => f.name === fault)!;
    assert(finding.message.length > 0);
  });
}

Deno.test("checkEnvironment skips the checks it is told to, reporting them as skipped", async () => {
  const env = new class extends EdgeQueueEnvironment {
    override reset(): Promise<Observation> {
      return super.reset({ seed: 0 });
    }
  }(OPTIONS, 10);
  const findings = await checkEnvironment(env, { skip: ["seed-changes-trajectory"] });
  assertEquals(failing(findings), []);
  assertEquals(findings.find((f) => f.name === "seed-changes-trajectory")?.message, "skipped");
});
