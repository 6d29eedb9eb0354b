import { deepEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runCli } from "../../core/mod.ts";
import { fixtureRegistry, validPipeline, writeTemp } from "./_fixtures.ts";

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const code = await runCli(args, {
    registry: fixtureRegistry(),
    defaultPipeline: "none.json",
    print: (l) => out.push(l),
    printError: (l) => err.push(l),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

Deno.test("cli validate prints the resolved pipeline and exits 0", async () => {
  const dir = await writeTemp({ "p.json": validPipeline() });
  const { code, out } = await cli(["validate", `${dir}/p.json`]);
  assertEquals(code, 0);
  const resolved = JSON.parse(out);
  assertEquals(resolved.train.out, "runs/toy");
  assertEquals(resolved.env.options.serviceRate, 100);
});

Deno.test("cli plugins lists each plugin with its description and options", async () => {
  const { code, out } = await cli(["plugins"]);
  assertEquals(code, 0);
  assert(out.includes("policy keep\n  Keeps the current replicas.\n  lr: number = 0.001"), out);
  assert(out.includes("environment edge-queue"), out);
  const json = await cli(["plugins", "--json", "--kind", "policy"]);
  assertEquals(JSON.parse(json.out).map((p: { name: string }) => p.name), ["keep"]);
});

Deno.test("cli: unknown command, unknown flag and missing argument exit 2 without a stack", async () => {
  for (const args of [["nope"], ["plugins", "--jsn"], ["validate"], ["plugins", "--kind", "x"]]) {
    const { code, err } = await cli(args);
    assertEquals(code, 2, `${args.join(" ")}: ${err}`);
    assert(err.startsWith("error: "), err);
    assert(!/\n\s+at /.test(err), err);
  }
});

Deno.test("cli --help works for the main command and each sub-command", async () => {
  const main = await cli(["--help"]);
  assertEquals(main.code, 0);
  assert(main.out.includes("validate") && main.out.includes("plugins"));
  const sub = await cli(["validate", "--help"]);
  assertEquals(sub.code, 0);
  assert(sub.out.startsWith("Usage: deno task validate"));
});
