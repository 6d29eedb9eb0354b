import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { InputError } from "../../core/errors.ts";
import { _readArrays, _writeArrays } from "./_tensor_file.ts";
import type { _NamedArray } from "./_tensor_file.ts";
import type { _Core } from "./_gr_mappo_update.ts";

/** Where and which variable groups to save or load. */
export interface _StateOptions {
  dir: string;
  groups: [string, tf.Variable[]][];
}

const STATE_VERSION = 1;

async function optimizerArrays(opt: tf.AdamOptimizer, prefix: string): Promise<_NamedArray[]> {
  const weights = await opt.getWeights();
  const [iter, ...moments] = weights;
  const half = moments.length / 2;
  const out: _NamedArray[] = [{
    name: `${prefix}/iterations`,
    shape: [],
    dtype: "int32",
    values: Int32Array.from(await iter.tensor.data()),
  }];
  iter.tensor.dispose();
  for (let i = 0; i < moments.length; i++) {
    const t = moments[i].tensor;
    out.push({
      name: `${prefix}/${i < half ? "m" : "v"}/${i % half}`,
      shape: t.shape,
      dtype: "float32",
      values: Float32Array.from(await t.data() as Float32Array),
    });
  }
  return out;
}

/** Saves the weights, both Adam states and the JSON state of a policy core. */
export async function _saveState(core: _Core, options: _StateOptions): Promise<void> {
  const weights: _NamedArray[] = [];
  for (const [group, vars] of options.groups) {
    for (let i = 0; i < vars.length; i++) {
      weights.push({
        name: `${group}/${i}`,
        shape: vars[i].shape,
        dtype: "float32",
        values: Float32Array.from(await vars[i].data() as Float32Array),
      });
    }
  }
  await _writeArrays(options.dir, "weights", weights);
  await _writeArrays(options.dir, "optimizers", [
    ...await optimizerArrays(core.actorOptimizer, "actor"),
    ...await optimizerArrays(core.criticOptimizer, "critic"),
  ]);
  const state = {
    version: STATE_VERSION,
    options: core.options,
    serviceNorm: core.serviceNorm.getState(),
    nodeNorm: core.nodeNorm.getState(),
    valueNorm: core.valueNorm.getState(),
    random: core.random.getState(),
    progress: core.progress,
  };
  await Deno.writeTextFile(join(options.dir, "state.json"), JSON.stringify(state, null, 1));
}

async function restoreOptimizer(
  core: _Core,
  options: { which: "actor" | "critic"; arrays: Map<string, _NamedArray>; dir: string },
): Promise<tf.AdamOptimizer> {
  const o = core.options;
  const vars = options.which === "actor" ? core.actorVariables : core.criticVariables;
  const opt = tf.train.adam(options.which === "actor" ? o.lr : o.criticLr, 0.9, 0.999, o.adamEpsilon);
  const iter = options.arrays.get(`${options.which}/iterations`);
  const m = vars.map((_, i) => options.arrays.get(`${options.which}/m/${i}`));
  const v = vars.map((_, i) => options.arrays.get(`${options.which}/v/${i}`));
  if (!iter || m.every((x) => !x)) return opt;
  const bad = vars.findIndex((x, i) =>
    !m[i] || !v[i] || m[i]!.values.length !== x.size || v[i]!.values.length !== x.size
  );
  if (bad >= 0 || options.arrays.has(`${options.which}/m/${vars.length}`)) {
    opt.dispose();
    throw new InputError(
      `${options.dir}: the ${options.which} optimiser state does not match this policy's variables`,
    );
  }
  const named = [
    { name: "iter", tensor: tf.scalar(iter.values[0], "int32") },
    ...vars.map((x, i) => ({ name: `${x.name}/m`, tensor: tf.tensor(m[i]!.values, x.shape) })),
    ...vars.map((x, i) => ({ name: `${x.name}/v`, tensor: tf.tensor(v[i]!.values, x.shape) })),
  ];
  await opt.setWeights(named);
  tf.dispose(named.map((x) => x.tensor));
  return opt;
}

/** Restores {@linkcode _saveState} into a core built with the same spec and options. */
export async function _loadState(core: _Core, options: _StateOptions): Promise<void> {
  const { dir } = options;
  const weights = new Map((await _readArrays(dir, "weights")).map((a) => [a.name, a]));
  const assignments: [tf.Variable, _NamedArray][] = [];
  for (const [group, vars] of options.groups) {
    if (weights.has(`${group}/${vars.length}`)) {
      throw new InputError(
        `${dir}: the checkpoint's ${group} has more weights than this pipeline's ${group}`,
      );
    }
    vars.forEach((variable, i) => {
      const saved = weights.get(`${group}/${i}`);
      if (!saved) {
        throw new InputError(`${dir}: the checkpoint has no weight ${group}/${i} (different ${group}?)`);
      }
      if (saved.shape.join("x") !== variable.shape.join("x")) {
        throw new InputError(
          `${dir}: weight ${group}/${i} has shape [${saved.shape}] in the checkpoint but [${variable.shape}] here ` +
            `(different ${group} options, e.g. hidden or heads?)`,
        );
      }
      assignments.push([variable, saved]);
    });
  }
  let state;
  try {
    state = JSON.parse(await Deno.readTextFile(join(dir, "state.json")));
  } catch (e) {
    throw new InputError(`${join(dir, "state.json")}: cannot read (${e instanceof Error ? e.message : e})`);
  }
  if (state.version !== STATE_VERSION) {
    throw new InputError(`${join(dir, "state.json")}: unsupported version ${state.version}`);
  }
  const arrays = new Map((await _readArrays(dir, "optimizers")).map((a) => [a.name, a]));
  const actorOptimizer = await restoreOptimizer(core, { which: "actor", arrays, dir });
  const criticOptimizer = await restoreOptimizer(core, { which: "critic", arrays, dir });
  for (const [variable, saved] of assignments) {
    tf.tidy(() => variable.assign(tf.tensor(saved.values, variable.shape)));
  }
  core.actorOptimizer.dispose();
  core.criticOptimizer.dispose();
  core.actorOptimizer = actorOptimizer;
  core.criticOptimizer = criticOptimizer;
  core.serviceNorm.setState(state.serviceNorm);
  core.nodeNorm.setState(state.nodeNorm);
  core.valueNorm.setState(state.valueNorm);
  core.random.setState(state.random);
  core.progress = state.progress ?? 0;
}
