import { deepEqual as assertEquals, match as assertMatch, ok as assert, rejects } from "node:assert/strict";
import { InputError, loadPipeline, runCli } from "../../core/mod.ts";
import { fixtureRegistry, validPipeline, writeTemp } from "./_fixtures.ts";

const assertRejects = (fn: () => Promise<unknown>, check: (e: Error) => void) =>
  rejects(fn, (e: Error) => {
    check(e);
    return true;
  });

Deno.test("a valid pipeline resolves with every default filled in", async () => {
  const dir = await writeTemp({ "toy.json": validPipeline() });
  const loaded = await loadPipeline(`${dir}/toy.json`, { registry: fixtureRegistry() });
  const c = loaded.config;
  assertEquals(c.backend, "wasm");
  assertEquals(c.seed, 3);
  assertEquals(c.env.options, { edgeNodes: 2, services: 3, arrivalRate: 150, serviceRate: 100, sloMs: 50 });
  assertEquals(c.encoder?.options, { hidden: 8, heads: 2 });
  assertEquals(c.filter?.options, { hidden: 16, heads: 2 });
  assertEquals(c.policy.options, { lr: 0.001 });
  assertEquals(c.train, { episodes: 2, episodeLength: 5, envs: 4, out: "runs/toy", checkpointEvery: 10 });
  assertEquals(c.eval.episodes, 3);
  assertEquals(c.eval.episodeLength, 5);
  assertEquals(c.eval.seed, 1003);
  assertEquals(c.eval.out, "runs/toy/eval");
  assertEquals(c.eval.deterministic, true);
  assertEquals(c.eval.compare, [
    { plugin: "keep", options: { lr: 0.001 }, label: "keep" },
    { plugin: "keep", options: { lr: 0.1 }, label: "fast" },
  ]);
  assertEquals(loaded.baseDir, dir);
  assertEquals(loaded.plugin("environment", c.env).name, "edge-queue");
});

// deno-lint-ignore no-explicit-any
type Json = any;

/** Each case: a change to the valid pipeline and the exact message line expected. */
const INVALID: [string, (p: Record<string, Json>) => void, string][] = [
  ["missing env", (p) => delete p.env, "/env is required"],
  ["typo at the top", (p) => (p.trian = p.train), `/trian is not a known field (did you mean "train"?)`],
  ["negative seed", (p) => (p.seed = -1), "/seed must be >= 0"],
  [
    "unknown backend",
    (p) => (p.backend = "gpu"),
    `/backend must be one of "wasm", "cpu", "tensorflow", "tensorflow-gpu"`,
  ],
  ["zero episodes", (p) => (p.train.episodes = 0), "/train/episodes must be >= 1"],
  ["policy lr not positive", (p) => (p.policy.options = { lr: 0 }), "/policy/options/lr must be > 0"],
  [
    "policy option typo",
    (p) => (p.policy.options = { lrr: 1 }),
    `/policy/options/lrr is not a known field (did you mean "lr"?)`,
  ],
  [
    "env option of the wrong type",
    (p) => (p.env.options.edgeNodes = "3"),
    "/env/options/edgeNodes must be integer",
  ],
  ["plugin missing in a ref", (p) => (p.policy = { options: {} }), "/policy/plugin is required"],
  ["bad name", (p) => (p.name = "my pipeline"), `/name must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]*$"`],
  [
    "eval compare entry typo",
    (p) => (p.eval.compare = [{ plugin: "keep", checkpiont: "x" }]),
    `/eval/compare/0/checkpiont is not a known field (did you mean "checkpoint"?)`,
  ],
  [
    "encoder option below minimum",
    (p) => (p.encoder.options = { heads: 0 }),
    "/encoder/options/heads must be >= 1",
  ],
  [
    "train typo",
    (p) => (p.train.episode = 3),
    `/train/episode is not a known field (did you mean "episodes"?)`,
  ],
];

for (const [title, change, expected] of INVALID) {
  Deno.test(`invalid pipeline: ${title} names the file and the JSON path, exit 2, no stack`, async () => {
    const p = validPipeline() as Record<string, Json>;
    change(p);
    const dir = await writeTemp({ "bad.json": p });
    await assertRejects(() => loadPipeline(`${dir}/bad.json`, { registry: fixtureRegistry() }), (e) => {
      assert(e instanceof InputError);
      assert(e.message.split("\n").includes(`bad.json: ${expected}`), e.message);
    });
    const errors: string[] = [];
    const code = await runCli(["validate", `${dir}/bad.json`], {
      registry: fixtureRegistry(),
      defaultPipeline: "none.json",
      print: () => {},
      printError: (l) => errors.push(l),
    });
    assertEquals(code, 2);
    const out = errors.join("\n");
    assert(out.includes(`bad.json: ${expected}`), out);
    assert(!/\n\s+at /.test(out), `stack trace printed: ${out}`);
  });
}

Deno.test("invalid JSON reports the line and column", async () => {
  const dir = await writeTemp({ "broken.json": '{\n  "name": "x",\n  "seed": 1,,\n}\n' });
  await assertRejects(() => loadPipeline(`${dir}/broken.json`, { registry: fixtureRegistry() }), (e) => {
    assert(e instanceof InputError);
    assertMatch(
      e.message,
      /^broken\.json:3:13: invalid JSON \(line 3, column 13\): Expected double-quoted property name/,
    );
  });
});

Deno.test("an unknown plugin name lists the closest registered names", async () => {
  const p = validPipeline() as Record<string, Json>;
  p.env.plugin = "simulater";
  p.policy.plugin = "kep";
  const dir = await writeTemp({ "p.json": p });
  await assertRejects(() => loadPipeline(`${dir}/p.json`, { registry: fixtureRegistry() }), (e) => {
    const lines = e.message.split("\n");
    assert(
      lines.includes(
        `p.json: /env/plugin: unknown environment plugin "simulater"; did you mean "simulator"?`,
      ),
      e.message,
    );
    assert(
      lines.includes(`p.json: /policy/plugin: unknown policy plugin "kep"; did you mean "keep"?`),
      e.message,
    );
  });
});

Deno.test("an external plugin loads from a relative path and from a file: URL", async () => {
  const envUrl = new URL("../../examples/plugins/edge_queue_env.ts", import.meta.url);
  const dir = await writeTemp({
    "relative.json": { ...validPipeline(), env: { plugin: "./env.ts", options: { services: 2 } } },
    "file-url.json": { ...validPipeline(), env: { plugin: envUrl.href } },
    "env.ts": `export { default } from ${JSON.stringify(envUrl.href)};\n`,
  });
  const registry = fixtureRegistry();
  const rel = await loadPipeline(`${dir}/relative.json`, { registry });
  assertEquals(rel.plugin("environment", rel.config.env).name, "edge-queue");
  assertEquals(rel.config.env.options.services, 2);
  assertEquals(rel.config.env.options.arrivalRate, 150);
  const abs = await loadPipeline(`${dir}/file-url.json`, { registry });
  assertEquals(abs.plugin("environment", abs.config.env).description.startsWith("Example third-party"), true);
});

Deno.test("a malformed external plugin is rejected with what is wrong", async () => {
  const dir = await writeTemp({
    "p.json": { ...validPipeline(), env: { plugin: "./not_a_plugin.ts" } },
    "q.json": { ...validPipeline(), env: { plugin: "./a_policy.ts" } },
    "r.json": { ...validPipeline(), env: { plugin: "./missing.ts" } },
    "not_a_plugin.ts": `export default { kind: "environment", name: "x", description: "no create" };\n`,
    "a_policy.ts": `export default { kind: "policy", name: "p", description: "d", create() {} };\n`,
  });
  const registry = fixtureRegistry();
  await assertRejects(() => loadPipeline(`${dir}/p.json`, { registry }), (e) => {
    assertEquals(
      e.message,
      `p.json: /env/plugin: the default export of "./not_a_plugin.ts" is not a plugin: "create" must be a function`,
    );
  });
  await assertRejects(() => loadPipeline(`${dir}/q.json`, { registry }), (e) => {
    assertEquals(
      e.message,
      `q.json: /env/plugin: "./a_policy.ts" exports a policy plugin where a environment plugin is expected`,
    );
  });
  await assertRejects(() => loadPipeline(`${dir}/r.json`, { registry }), (e) => {
    assertMatch(e.message, /^r\.json: \/env\/plugin: cannot import "\.\/missing\.ts": /);
  });
});

Deno.test("a missing pipeline file is a clear input error", async () => {
  await assertRejects(() => loadPipeline("/nonexistent/p.json", { registry: fixtureRegistry() }), (e) => {
    assert(e instanceof InputError);
    assertMatch(e.message, /^\/nonexistent\/p\.json: cannot read the pipeline/);
  });
});
