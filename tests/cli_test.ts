// The real entry point, as users run it: exit codes and messages without stack traces.
import { deepEqual as assertEquals, ok as assert } from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

async function task(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("deno task validate: a bad pipeline exits 2 naming file and path, without a stack trace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cma-cli-" });
  await Deno.writeTextFile(
    `${dir}/bad.json`,
    JSON.stringify({
      name: "bad",
      env: { plugin: "simulator", options: { edgeNodes: 0 } },
      policy: { plugin: "hpa", options: { target: -1 } },
    }),
  );
  const { code, stderr } = await task(["validate", `${dir}/bad.json`]);
  assertEquals(code, 2, stderr);
  assert(stderr.includes("bad.json: /env/options/edgeNodes must be >= 1"), stderr);
  assert(stderr.includes("bad.json: /policy/options/target must be > 0"), stderr);
  assert(!/^\s+at /m.test(stderr), stderr);
});

Deno.test("deno task train: a missing pipeline file exits 2 with one line naming it", async () => {
  const missing = await task(["train", "/nonexistent/pipeline.json"]);
  assertEquals(missing.code, 2);
  assert(
    missing.stderr.trim().startsWith("error: /nonexistent/pipeline.json: cannot read the pipeline"),
    missing.stderr,
  );
  assertEquals(missing.stderr.trim().split("\n").length, 1);
});

Deno.test("deno task eval: a half-written checkpoint is refused with exit 2 and nothing is written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cma-cli-" });
  await Deno.mkdir(`${dir}/run/checkpoints/000002/policy`, { recursive: true }); // no manifest.json
  const pipeline = JSON.parse(await Deno.readTextFile(`${ROOT}examples/pipelines/quickstart.json`));
  delete pipeline.$schema;
  pipeline.eval = {
    episodes: 1,
    episodeLength: 3,
    checkpoint: `${dir}/run/checkpoints/000002`,
    out: `${dir}/eval`,
  };
  await Deno.writeTextFile(`${dir}/p.json`, JSON.stringify(pipeline));
  const { code, stderr } = await task(["eval", `${dir}/p.json`]);
  assertEquals(code, 2, stderr);
  assert(
    stderr.includes(`${dir}/run/checkpoints/000002: no complete checkpoint here (no manifest.json`),
    stderr,
  );
  assert(!/^\s+at /m.test(stderr), stderr);
  const written = await Deno.stat(`${dir}/eval/report.md`).then(() => true, () => false);
  assertEquals(written, false);
});

Deno.test("deno task plugins lists every built-in plugin", async () => {
  const { code, stdout } = await task(["plugins", "--json"]);
  assertEquals(code, 0);
  const names = JSON.parse(stdout).map((p: { kind: string; name: string }) => `${p.kind} ${p.name}`);
  assertEquals(names, [
    "environment k8s",
    "environment simulator",
    "environment trace",
    "encoder cma/dependency-attention",
    "encoder mlp",
    "filter cma/information-attention",
    "filter mean",
    "policy cma/gr-mappo",
    "policy hpa",
    "policy static",
  ]);
});
