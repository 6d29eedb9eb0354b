import { join } from "node:path";
import { InputError } from "../../core/errors.ts";

/** One named array to store: float32 or int32 values with a shape. */
export interface _NamedArray {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  values: Float32Array | Int32Array;
}

interface IndexEntry {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  offset: number;
  length: number;
}

/** Writes arrays as `<base>.bin` (raw little-endian values, concatenated) and `<base>.json` (the index). */
export async function _writeArrays(dir: string, base: string, arrays: _NamedArray[]): Promise<void> {
  const total = arrays.reduce((n, a) => n + a.values.length, 0);
  const bytes = new Uint8Array(total * 4);
  const index: IndexEntry[] = [];
  let offset = 0;
  for (const a of arrays) {
    bytes.set(new Uint8Array(a.values.buffer, a.values.byteOffset, a.values.length * 4), offset * 4);
    index.push({ name: a.name, shape: a.shape, dtype: a.dtype, offset, length: a.values.length });
    offset += a.values.length;
  }
  await Deno.writeFile(join(dir, `${base}.bin`), bytes);
  await Deno.writeTextFile(
    join(dir, `${base}.json`),
    JSON.stringify({ format: "float32/int32 LE", arrays: index }, null, 1),
  );
}

/** Reads what {@linkcode _writeArrays} wrote; an InputError naming the file when missing or corrupt. */
export async function _readArrays(dir: string, base: string): Promise<_NamedArray[]> {
  const indexFile = join(dir, `${base}.json`), binFile = join(dir, `${base}.bin`);
  let index: IndexEntry[];
  let bytes: Uint8Array;
  try {
    index = JSON.parse(await Deno.readTextFile(indexFile)).arrays;
    bytes = await Deno.readFile(binFile);
  } catch (e) {
    throw new InputError(
      `${dir}: cannot read ${base}.json/${base}.bin (${e instanceof Error ? e.message : e})`,
    );
  }
  if (!Array.isArray(index)) throw new InputError(`${indexFile}: no "arrays" list`);
  const buffer = bytes.slice().buffer;
  return index.map((e) => {
    if ((e.offset + e.length) * 4 > bytes.length) {
      throw new InputError(`${binFile}: too short for array "${e.name}" (the checkpoint is truncated)`);
    }
    const values = e.dtype === "int32"
      ? new Int32Array(buffer, e.offset * 4, e.length).slice()
      : new Float32Array(buffer, e.offset * 4, e.length).slice();
    return { name: e.name, shape: e.shape, dtype: e.dtype, values };
  });
}
