import { deepEqual as assertEquals, throws } from "node:assert/strict";
import { closestNames, InputError, PluginRegistry } from "../../core/mod.ts";
import { fakeEncoder, keepPolicy, simulatorLike } from "./_fixtures.ts";

Deno.test("registry: register, get, list sorted by kind then name", () => {
  const registry = new PluginRegistry().register(keepPolicy, fakeEncoder, simulatorLike);
  assertEquals(registry.get("policy", "keep").name, "keep");
  assertEquals(registry.list().map((p) => `${p.kind}:${p.name}`), [
    "environment:simulator",
    "encoder:fake-encoder",
    "policy:keep",
  ]);
  assertEquals(registry.list("encoder").length, 1);
  assertEquals(registry.has("policy", "keep"), true);
  assertEquals(registry.has("environment", "keep"), false);
});

Deno.test("registry: a duplicate name of the same kind is an error", () => {
  const registry = new PluginRegistry().register(keepPolicy);
  throws(() => registry.register(keepPolicy), /a policy plugin named "keep" is already registered/);
});

Deno.test("registry: an unknown name is an InputError with the closest names", () => {
  const registry = new PluginRegistry().register(keepPolicy, simulatorLike);
  throws(() => registry.get("environment", "simulatr"), (e: Error) => {
    assertEquals(e instanceof InputError, true);
    assertEquals(e.message, `unknown environment plugin "simulatr"; did you mean "simulator"?`);
    return true;
  });
  throws(() => registry.get("encoder", "x"), /unknown encoder plugin "x"; registered: none/);
});

Deno.test("registry: a malformed plugin is refused with every problem named", () => {
  throws(
    () => new PluginRegistry().register({ kind: "nope", name: "", description: 1 } as never),
    /"kind" must be one of environment, encoder, filter, policy \(got "nope"\); "name" must be a string; "description" must be a string; "create" must be a function/,
  );
});

Deno.test("closestNames ranks by edit distance and keeps substring matches", () => {
  assertEquals(closestNames("hpa", ["hpa2", "static", "cma/gr-mappo"]), ["hpa2"]);
  assertEquals(closestNames("mappo", ["hpa", "static", "cma/gr-mappo"]), ["cma/gr-mappo"]);
  assertEquals(closestNames("zzzzzz", ["hpa", "static"]), []);
});
