import { readModelRecord, writeModelRecord } from './model-record';
import { readEmbeddingRows, readEmbeddingsHeader } from './reader';
import { writeEmbeddingsFile } from './writer';

/**
 * Subtracts the file's mean embedding from every row and L2-normalises again ("centering"), streaming the file twice
 * (one pass for the mean, one to write). A general ImageNet model puts every image of a narrow dataset in one small
 * cone, and centering spreads that cone out: bench/embed-quality measured it helping kNN on colour images and hurting
 * it on small grey digits, so it is an option, not the default (see README, "The default embedding model").
 * The output's model record is the input's with `+centered`, so centered and raw rows never get mixed.
 *
 * @example
 * await centerEmbeddingsFile('embeddings.csv', 'centered.csv'); // { rows: 1000, dim: 1280 }
 */
export async function centerEmbeddingsFile(input: string, out: string, options: { signal?: AbortSignal } = {}): Promise<{ rows: number; dim: number }> {
  const { dim } = await readEmbeddingsHeader(input);
  const sum = new Float64Array(dim);
  let rows = 0;
  for await (const row of readEmbeddingRows(input, { signal: options.signal })) {
    for (let i = 0; i < dim; i++) sum[i] += row.embedding[i];
    rows++;
  }
  const mean = Float32Array.from(sum, (v) => (rows > 0 ? v / rows : 0));
  const record = await readModelRecord(input);
  await writeEmbeddingsFile(out, { dim }, async (writer) => {
    const centered = new Float32Array(dim);
    for await (const row of readEmbeddingRows(input, { signal: options.signal })) {
      let norm = 0;
      for (let i = 0; i < dim; i++) {
        centered[i] = row.embedding[i] - mean[i];
        norm += centered[i] * centered[i];
      }
      norm = Math.sqrt(norm);
      if (norm > 0) for (let i = 0; i < dim; i++) centered[i] /= norm;
      await writer.write(row.fileName, centered, row.label);
    }
  });
  await writeModelRecord(out, record === undefined ? undefined : { model: `${record.model}+centered`, dim });
  return { rows, dim };
}
