import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import { STATIC_OPTIONS_SCHEMA, staticPlugin } from "../../../plugins/baselines/static.ts";
import type { StaticOptions } from "../../../plugins/baselines/static.ts";
import { InputError } from "../../../core/errors.ts";
import { makeSpec, observe } from "./_spec.ts";

const spec = makeSpec({ nodes: 2, services: ["front", "cart", "db"] }, { min: 1, max: 3 });

async function replicasFor(options: StaticOptions): Promise<number[]> {
  const policy = await staticPlugin.create(options, { seed: 1, baseDir: ".", spec });
  const obs = observe(spec, Array(6).fill({ replicas: 2, cpuUtilization: 0.9 }));
  const [a, b] = await policy.act([obs, obs]);
  assertEquals([...a], [...b]);
  return [...a];
}

Deno.test("static sets one number for every service, clamped to the bounds [1, 3]", async () => {
  assertEquals(await replicasFor({ replicas: 2 }), [2, 2, 2, 2, 2, 2]);
  assertEquals(await replicasFor({ replicas: 5 }), [3, 3, 3, 3, 3, 3]);
  assertEquals(await replicasFor({ replicas: 0 }), [1, 1, 1, 1, 1, 1]);
  assertEquals(await replicasFor({}), [1, 1, 1, 1, 1, 1]);
});

Deno.test("static takes replicas per service name; unnamed services get 1", async () => {
  assertEquals(await replicasFor({ replicas: { front: 3, db: 2 } }), [3, 1, 2, 3, 1, 2]);
  assertEquals(await replicasFor({ replicas: { cart: 9 } }), [1, 3, 1, 1, 3, 1]);
});

Deno.test("static rejects an unknown service name, naming it", async () => {
  await rejects(
    async () => await replicasFor({ replicas: { fronted: 2 } }),
    (e: unknown) =>
      e instanceof InputError && /options\.replicas\/fronted/.test(e.message) &&
      /front, cart, db/.test(e.message),
  );
});

Deno.test("static options schema: a number or an object of integers, nothing else", () => {
  const validate = new Ajv2020({ useDefaults: true, strict: false }).compile(STATIC_OPTIONS_SCHEMA);
  const options: Record<string, unknown> = {};
  assertEquals(validate(options), true);
  assertEquals(options, { replicas: 1 });
  assertEquals(validate({ replicas: { front: 2 } }), true);
  assertEquals(validate({ replicas: -1 }), false);
  assertEquals(validate({ replicas: 1.5 }), false);
  assertEquals(validate({ replica: 2 }), false);
});
