import { readEmbeddingRows, readEmbeddingsHeader } from '../embeddings/reader';
import { createEmbeddingsWriter } from '../embeddings/writer';

/**
 * Copies an embeddings CSV without the rows of `removed` (the duplicates that are not their group's keeper), so the
 * next step — a selection — draws only from what remains. Streams: memory stays at one row.
 * → the number of rows written.
 *
 * @example
 * await writeRemainingEmbeddings('embeddings.csv', 'embeddings.remaining.csv', new Set(report.duplicatesToRemove)) // 998
 */
export async function writeRemainingEmbeddings(csvIn: string, csvOut: string, removed: ReadonlySet<string>, signal?: AbortSignal): Promise<number> {
  const { dim } = await readEmbeddingsHeader(csvIn);
  const writer = await createEmbeddingsWriter(csvOut, { dim, append: false });
  let rows = 0;
  try {
    for await (const row of readEmbeddingRows(csvIn, { signal })) {
      if (removed.has(row.fileName)) continue;
      await writer.write(row.fileName, row.embedding, row.label);
      rows++;
    }
  } finally {
    await writer.close();
  }
  return rows;
}
