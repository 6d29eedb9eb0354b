/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the order of `items`. */
export async function mapLimit<T, R>(
  items: readonly T[],
  options: { limit: number; fn: (item: T, index: number) => Promise<R> },
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await options.fn(items[i], i);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
