/** Whether something (file, folder, link target) exists at `path`; any stat error counts as "no". */
export async function _pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
