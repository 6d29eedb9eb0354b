import { deepEqual as assertEquals, ok as assert } from "node:assert/strict";
import { TOPOLOGY_NAMES } from "../../envs/simulator/mod.ts";
import { loadPipeline } from "../../mod.ts";

const dir = new URL("../../examples/pipelines/", import.meta.url);

Deno.test("every example pipeline validates against the schema and its plugins' options", async () => {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name);
  }
  names.sort();
  for (const topology of TOPOLOGY_NAMES) {
    assert(names.includes(`${topology}.json`), `examples/pipelines/${topology}.json is missing`);
  }
  assert(names.includes("quickstart.json"));
  for (const name of names) {
    const loaded = await loadPipeline(new URL(name, dir).pathname);
    assertEquals(loaded.config.name.length > 0, true, name);
    assertEquals(typeof loaded.config.train.out, "string", name);
  }
});
