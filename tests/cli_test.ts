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

Deno.test("deno task train: a missing pipeline file exits 2; a broken checkpoint for eval too", async () => {
  const missing = await task(["train", "/nonexistent/pipeline.json"]);
  assertEquals(missing.code, 2);
  assertEquals(
    missing.stderr.trim(),
    "error: /nonexistent/pipeline.json: cannot read the pipeline (No such file or directory (os error 2): readfile '/nonexistent/pipeline.json')",
  );
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
