/**
 * The command-line entry every `deno task` goes through: it registers the built-in plugins and the
 * environments' extra commands, then hands over to `core/cli.ts`.
 *
 * @example
 * ```sh
 * deno task validate examples/pipelines/quickstart.json
 * deno task train            # trains examples/pipelines/quickstart.json
 * ```
 *
 * @module
 */
import { runCli } from "./core/cli.ts";
import { commands, createRegistry } from "./mod.ts";

if (import.meta.main) {
  const code = await runCli(Deno.args, {
    registry: createRegistry(),
    defaultPipeline: new URL("./examples/pipelines/quickstart.json", import.meta.url).pathname,
    commands,
  });
  Deno.exit(code);
}
