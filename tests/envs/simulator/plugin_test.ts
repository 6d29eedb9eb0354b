import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { checkEnvironment } from "../../../core/check_environment.ts";
import { STANDARD_SERVICE_FEATURES } from "../../../core/environment.ts";
import { InputError } from "../../../core/errors.ts";
import {
  createSimulator,
  SIMULATOR_OPTIONS_SCHEMA,
  simulatorPlugin,
  TOPOLOGY_NAMES,
} from "../../../envs/simulator/mod.ts";
import type { Workload } from "../../../envs/simulator/mod.ts";

const context = { seed: 7, baseDir: ".", episodeLength: 20 };

Deno.test("the plugin: name, kind, options schema with defaults and no unknown keys", () => {
  equal(simulatorPlugin.name, "simulator");
  equal(simulatorPlugin.kind, "environment");
  equal(SIMULATOR_OPTIONS_SCHEMA.additionalProperties, false);
  const props = SIMULATOR_OPTIONS_SCHEMA.properties as Record<
    string,
    { default?: unknown; description?: string }
  >;
  for (
    const name of [
      "topology",
      "edgeNodes",
      "workload",
      "startupDelaySteps",
      "stepSeconds",
      "sloMs",
      "minReplicas",
      "maxReplicas",
      "initialReplicas",
      "rewardWeights",
      "samples",
      "episodeLength",
    ]
  ) {
    ok(props[name]?.description, `option ${name} is described`);
  }
  deepEqual(props.workload.default, { type: "diurnal" });
  equal(props.topology.default, "online-boutique");
});

for (const topology of TOPOLOGY_NAMES) {
  Deno.test(`checkEnvironment passes on ${topology}`, async () => {
    const env = await simulatorPlugin.create({ topology }, context);
    const findings = await checkEnvironment(env);
    const failed = findings.filter((f) => !f.ok);
    deepEqual(failed, [], failed.map((f) => `${f.name}: ${f.message}`).join("\n"));
    equal(findings.length, 10);
  });
}

Deno.test("checkEnvironment passes under every workload shape and a start-up delay of 0", async () => {
  for (const type of ["constant", "bursty", "flash-crowd", "random-walk"] as const) {
    const env = await simulatorPlugin.create({
      topology: "sock-shop",
      workload: { type },
      startupDelaySteps: 0,
    }, context);
    deepEqual((await checkEnvironment(env)).filter((f) => !f.ok), [], type);
  }
});

Deno.test("defaults: Online Boutique on 3 edge nodes and a cloud, standard features first", async () => {
  const env = await simulatorPlugin.create({}, context);
  deepEqual(env.spec.nodes.map((n) => n.id), ["edge-0", "edge-1", "edge-2", "cloud"]);
  equal(env.spec.services.length, 11);
  deepEqual(env.spec.serviceFeatures.slice(0, 6), [...STANDARD_SERVICE_FEATURES]);
  ok(env.spec.nodeFeatures.includes("capacityUsed"));
  deepEqual([env.spec.sloMs, env.spec.stepSeconds], [200, 15]);
  const cma = await simulatorPlugin.create({ topology: "cma-paper" }, context);
  deepEqual([cma.spec.nodes.length, cma.spec.sloMs, cma.spec.services.length], [8, 50, 5]);
  const small = await simulatorPlugin.create({ topology: "cma-paper", edgeNodes: 2, sloMs: 80 }, context);
  deepEqual([small.spec.nodes.length, small.spec.sloMs], [3, 80]);
});

Deno.test("options: an episodeLength override, random topology size, a Workload object", async () => {
  const env = await simulatorPlugin.create(
    { topology: "random", randomServices: 7, episodeLength: 2 },
    context,
  );
  equal(env.spec.services.length, 7);
  const obs = await env.reset({ seed: 1 });
  equal((await env.step(obs.replicas)).truncated, false);
  equal((await env.step(obs.replicas)).truncated, true);
  const steady: Workload = { reset() {}, externalRates: (_t, out) => (out.fill(0), out[0] = 33) };
  const sim = await createSimulator({ topology: "sock-shop", workload: steady }, context);
  const { metrics } = await sim.step((await sim.reset({ seed: 2 })).replicas);
  equal(metrics.load, 33);
});

Deno.test("bad options are InputErrors naming the option", async () => {
  const bad = async (options: Record<string, unknown>, pattern: RegExp) =>
    await rejects(
      async () => await simulatorPlugin.create(options, context),
      (e: Error) => e instanceof InputError && pattern.test(e.message),
      `expected ${pattern}`,
    );
  await bad({ edgeNode: 3 }, /simulator options: \/edgeNode is not a known option/);
  await bad({ samples: 0 }, /simulator options: \/samples must be >= 1/);
  await bad({ workload: { type: "sine" } }, /\/workload\/type must be one of "constant", "diurnal"/);
  await bad({ topology: "nope" }, /unknown topology "nope"/);
  await bad(
    { minReplicas: 2, edgeCapacity: 10 },
    /minReplicas = 2 on each of the 11 services node edge-0 hosts exceeds its capacity 10/,
  );
  await bad({ maxReplicas: 1, minReplicas: 2 }, /options\.maxReplicas must be an integer ≥ 2/);
});
