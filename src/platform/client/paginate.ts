/**
 * Lightly's paging convention in one place: `pageOffset` is an item offset, and a page shorter than `pageSize` is
 * the last. Yields items one by one and fetches the next page only when the consumer gets there.
 *
 * @example
 * for await (const sample of paginate((page) => client.listSamplesPage(id, page), 5000)) …
 */
export async function* paginate<T>(
  fetchPage: (page: { pageSize: number; pageOffset: number }) => Promise<T[]>,
  pageSize: number,
  signal?: AbortSignal,
): AsyncGenerator<T> {
  for (let pageOffset = 0; ; pageOffset += pageSize) {
    signal?.throwIfAborted();
    const items = await fetchPage({ pageSize, pageOffset });
    yield* items;
    if (items.length < pageSize) return;
  }
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
