/**
 * The plugin registry: plugins by kind and name, with helpful errors for unknown names.
 *
 * @example
 * ```ts
 * import { PluginRegistry } from "./registry.ts";
 * import { definePolicy } from "./plugin.ts";
 * const registry = new PluginRegistry();
 * registry.register(definePolicy({
 *   name: "noop",
 *   description: "Keeps the replicas as they are.",
 *   create: () => ({ reset() {}, act: (batch) => Promise.resolve(batch.map((o) => o.replicas.slice())) }),
 * }));
 * console.assert(registry.get("policy", "noop").name === "noop");
 * ```
 *
 * @module
 */
import { InputError } from "./errors.ts";
import { PLUGIN_KINDS } from "./plugin.ts";
import type {
  EncoderPlugin,
  EnvironmentPlugin,
  FilterPlugin,
  Plugin,
  PluginKind,
  PolicyPlugin,
} from "./plugin.ts";

/** Maps a kind to its plugin type. */
export interface PluginOfKind {
  /** Environment plugins. */
  environment: EnvironmentPlugin;
  /** Dependency-encoder plugins. */
  encoder: EncoderPlugin;
  /** Message-filter plugins. */
  filter: FilterPlugin;
  /** Policy plugins. */
  policy: PolicyPlugin;
}

/** Plugins by kind and name. */
export class PluginRegistry {
  #plugins = new Map<PluginKind, Map<string, Plugin>>(
    PLUGIN_KINDS.map((k) => [k, new Map<string, Plugin>()]),
  );

  /** Registers plugins; a second plugin of the same kind and name is an error. */
  register(...plugins: Plugin[]): this {
    for (const plugin of plugins) {
      assertPlugin(plugin, `plugin ${JSON.stringify((plugin as Plugin)?.name)}`);
      const byName = this.#plugins.get(plugin.kind)!;
      if (byName.has(plugin.name)) {
        throw new Error(`a ${plugin.kind} plugin named "${plugin.name}" is already registered`);
      }
      byName.set(plugin.name, plugin);
    }
    return this;
  }

  /** True when a plugin of that kind and name is registered. */
  has(kind: PluginKind, name: string): boolean {
    return this.#plugins.get(kind)!.has(name);
  }

  /** The plugin of that kind and name; an unknown name is an {@linkcode InputError} listing the closest names. */
  get<K extends PluginKind>(kind: K, name: string): PluginOfKind[K] {
    const plugin = this.#plugins.get(kind)!.get(name);
    if (plugin) return plugin as PluginOfKind[K];
    const names = [...this.#plugins.get(kind)!.keys()];
    const close = closestNames(name, names);
    const hint = close.length > 0
      ? `did you mean ${close.map((n) => `"${n}"`).join(" or ")}?`
      : `registered: ${names.map((n) => `"${n}"`).join(", ") || "none"}`;
    throw new InputError(`unknown ${kind} plugin "${name}"; ${hint}`);
  }

  /** Every registered plugin, optionally of one kind, sorted by kind then name. */
  list(kind?: PluginKind): Plugin[] {
    const kinds = kind ? [kind] : PLUGIN_KINDS;
    return kinds.flatMap((k) =>
      [...this.#plugins.get(k)!.values()].sort((a, b) => a.name.localeCompare(b.name))
    );
  }
}

/**
 * Checks that `value` is a well-formed plugin (kind, name, description, options schema, `create`) and
 * throws an {@linkcode InputError} naming `where` and what is wrong otherwise.
 */
export function assertPlugin(value: unknown, where: string): asserts value is Plugin {
  const problems: string[] = [];
  if (typeof value !== "object" || value === null) {
    throw new InputError(`${where} is not a plugin: expected an object, got ${typeof value}`);
  }
  const p = value as Record<string, unknown>;
  if (!PLUGIN_KINDS.includes(p.kind as PluginKind)) {
    problems.push(`"kind" must be one of ${PLUGIN_KINDS.join(", ")} (got ${JSON.stringify(p.kind)})`);
  }
  if (typeof p.name !== "string" || p.name.length === 0) problems.push(`"name" must be a string`);
  if (typeof p.description !== "string") problems.push(`"description" must be a string`);
  if (p.options !== undefined && (typeof p.options !== "object" || p.options === null)) {
    problems.push(`"options" must be a JSON Schema object`);
  }
  if (typeof p.create !== "function") problems.push(`"create" must be a function`);
  if (problems.length > 0) {
    throw new InputError(`${where} is not a plugin: ${problems.join("; ")}`);
  }
}

/** Up to three of `names` closest to `name` (edit distance at most a third of the longer, or a prefix match). */
export function closestNames(name: string, names: string[]): string[] {
  return names
    .map((n) => ({ n, d: editDistance(name.toLowerCase(), n.toLowerCase()) }))
    .filter(({ n, d }) =>
      d <= Math.max(2, Math.ceil(Math.max(n.length, name.length) / 3)) ||
      n.toLowerCase().includes(name.toLowerCase())
    )
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 3)
    .map(({ n }) => n);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
