// Test fixtures for the core tests: a registry with small plugins and a temp-dir pipeline writer.
import {
  defineEncoder,
  defineEnvironment,
  defineFilter,
  definePolicy,
  PluginRegistry,
} from "../../core/mod.ts";
import edgeQueue from "../../examples/plugins/edge_queue_env.ts";

/** A policy that keeps replicas; options `lr` (> 0, default 0.001) to exercise option validation. */
export const keepPolicy = definePolicy({
  name: "keep",
  description: "Keeps the current replicas.",
  options: {
    type: "object",
    additionalProperties: false,
    properties: { lr: { type: "number", exclusiveMinimum: 0, default: 0.001 } },
  },
  create: () => ({
    reset() {},
    act: (batch) => Promise.resolve(batch.map((o) => o.replicas.slice())),
  }),
});

const widthOptions = {
  type: "object",
  additionalProperties: false,
  properties: {
    hidden: { type: "integer", minimum: 1, default: 8 },
    heads: { type: "integer", minimum: 1, default: 2 },
  },
};

/** An encoder plugin whose create is never called in these tests. */
export const fakeEncoder = defineEncoder({
  name: "fake-encoder",
  description: "Placeholder encoder for schema tests.",
  options: widthOptions,
  create: () => {
    throw new Error("not used");
  },
});

/** A filter plugin whose create is never called in these tests. */
export const fakeFilter = defineFilter({
  name: "fake-filter",
  description: "Placeholder filter for schema tests.",
  options: widthOptions,
  create: () => {
    throw new Error("not used");
  },
});

/** An environment named like the built-in simulator, so suggestions can be checked. */
export const simulatorLike = defineEnvironment({ ...edgeQueue, name: "simulator" });

/** A registry with the fixtures. */
export function fixtureRegistry(): PluginRegistry {
  return new PluginRegistry().register(edgeQueue, simulatorLike, keepPolicy, fakeEncoder, fakeFilter);
}

/** A valid pipeline object (fresh each call). */
export function validPipeline(): Record<string, unknown> {
  return {
    name: "toy",
    seed: 3,
    env: { plugin: "edge-queue", options: { edgeNodes: 2 } },
    encoder: { plugin: "fake-encoder" },
    filter: { plugin: "fake-filter", options: { hidden: 16 } },
    policy: { plugin: "keep" },
    train: { episodes: 2, episodeLength: 5 },
    eval: { compare: ["keep", { plugin: "keep", options: { lr: 0.1 }, label: "fast" }] },
  };
}

/** Writes `files` (name → text or JSON value) into a new temp dir and returns its path. */
export async function writeTemp(files: Record<string, unknown>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cma-test-" });
  for (const [name, content] of Object.entries(files)) {
    const text = typeof content === "string" ? content : JSON.stringify(content, null, 2);
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}
