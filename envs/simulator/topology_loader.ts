/**
 * Loading topologies: a built-in name ({@linkcode BUILTIN_TOPOLOGIES}, or `random`) or a path to a JSON
 * file checked against `topology.schema.json` with ajv. Every error is an `InputError` naming the file
 * and the JSON path.
 *
 * @module
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { isAbsolute, resolve } from "node:path";
import { InputError } from "../../core/errors.ts";
import { randomTopology } from "./random_topology.ts";
import type { RandomTopologyOptions } from "./random_topology.ts";
import { buildTopology } from "./topology.ts";
import type { Topology, TopologySpec } from "./topology.ts";
import schema from "./topology.schema.json" with { type: "json" };
import onlineBoutique from "./topologies/online_boutique.json" with { type: "json" };
import hotelReservation from "./topologies/hotel_reservation.json" with { type: "json" };
import socialNetwork from "./topologies/social_network.json" with { type: "json" };
import sockShop from "./topologies/sock_shop.json" with { type: "json" };
import cmaPaper from "./topologies/cma_paper.json" with { type: "json" };

/** The JSON Schema (2020-12) of topology files. */
export const TOPOLOGY_SCHEMA: Record<string, unknown> = schema;

/** The topologies shipped with the simulator, by name (`random` is generated, see `randomTopology`). */
export const BUILTIN_TOPOLOGIES: Readonly<Record<string, TopologySpec>> = {
  "online-boutique": onlineBoutique as TopologySpec,
  "hotel-reservation": hotelReservation as TopologySpec,
  "social-network": socialNetwork as TopologySpec,
  "sock-shop": sockShop as TopologySpec,
  "cma-paper": cmaPaper as TopologySpec,
};

/** Every name {@linkcode loadTopology} accepts besides a path. */
export const TOPOLOGY_NAMES: readonly string[] = [...Object.keys(BUILTIN_TOPOLOGIES), "random"];

/** Options of {@linkcode loadTopology}. */
export interface LoadTopologyOptions {
  /** Folder a relative path resolves against (default the current directory). */
  baseDir?: string;
  /** Options of the `random` topology. */
  random?: RandomTopologyOptions;
}

let validator: ValidateFunction | undefined;

/**
 * Checks a parsed topology JSON against the schema and builds it; `source` names it in errors. Useful
 * for topologies made in code (e.g. from a trace).
 */
export function parseTopology(json: unknown, source: string): Topology {
  validator ??= new Ajv2020({ allErrors: true, useDefaults: true, strict: false }).compile(schema);
  const copy = structuredClone(json);
  if (!validator(copy)) throw new InputError(formatErrors(source, validator.errors ?? []));
  return buildTopology(copy as TopologySpec, source);
}

/**
 * Loads a topology by built-in name or by path (`.json`; relative paths resolve against
 * `options.baseDir`). Unknown names, unreadable files, bad JSON and schema violations are
 * {@linkcode InputError}s naming the file and JSON path.
 */
export async function loadTopology(ref: string, options: LoadTopologyOptions = {}): Promise<Topology> {
  if (ref === "random") return parseTopology(randomTopology(options.random), "random topology");
  const builtin = BUILTIN_TOPOLOGIES[ref];
  if (builtin) return parseTopology(builtin, `topology "${ref}"`);
  const looksLikePath = ref.endsWith(".json") || ref.includes("/") || ref.includes("\\");
  if (!looksLikePath) {
    throw new InputError(
      `unknown topology "${ref}": use one of ${TOPOLOGY_NAMES.join(", ")} or a path to a .json file`,
    );
  }
  const path = isAbsolute(ref) ? ref : resolve(options.baseDir ?? Deno.cwd(), ref);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read the topology file: ${e instanceof Error ? e.message : e}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON: ${e instanceof Error ? e.message : e}`);
  }
  return parseTopology(json, path);
}

function formatErrors(source: string, errors: ErrorObject[]): string {
  const lines = new Set<string>();
  for (const e of errors) {
    const path = e.instancePath || "/";
    if (e.keyword === "additionalProperties") {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      lines.add(`${source}: ${e.instancePath}/${key} is not a known field`);
    } else if (e.keyword === "required") {
      lines.add(
        `${source}: ${e.instancePath}/${
          (e.params as { missingProperty: string }).missingProperty
        } is required`,
      );
    } else if (e.keyword === "enum") {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v));
      lines.add(`${source}: ${path} must be one of ${allowed.join(", ")}`);
    } else {
      lines.add(`${source}: ${path} ${e.message}`);
    }
  }
  return [...lines].join("\n");
}
