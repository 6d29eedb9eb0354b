/**
 * Where a trace's bytes come from: one file, a gzip file (`.gz`, decompressed while streaming), or a
 * folder of parts read in name order (numbers compared by value, so `part_2` comes before `part_10`).
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";

const PART = /\.(csv|txt)(\.gz)?$|\.gz$/i;

/**
 * The files of a trace path: the path itself when it is a file, else the `.csv`, `.txt` and `.gz` files
 * of the folder sorted by name with numbers compared by value. Throws an {@linkcode InputError} when the
 * path does not exist or the folder has no such file.
 */
export async function listTraceFiles(path: string): Promise<string[]> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InputError(`trace path "${path}" does not exist`);
    throw new InputError(`cannot read trace path "${path}": ${(e as Error).message}`);
  }
  if (!info.isDirectory) return [path];
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    if (entry.isFile && PART.test(entry.name)) names.push(entry.name);
  }
  if (names.length === 0) {
    throw new InputError(`trace folder "${path}" has no .csv, .txt or .gz part`);
  }
  names.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const sep = path.endsWith("/") ? "" : "/";
  return names.map((n) => `${path}${sep}${n}`);
}

/** Opens one trace file as a byte stream, decompressing it when its name ends in `.gz`. */
export async function openTraceFile(file: string): Promise<ReadableStream<Uint8Array>> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file, { read: true });
  } catch (e) {
    throw new InputError(`cannot open trace file "${file}": ${(e as Error).message}`);
  }
  const bytes = handle.readable;
  if (!/\.gz$/i.test(file)) return bytes;
  return bytes.pipeThrough(new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>);
}
