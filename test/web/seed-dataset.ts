import path from 'node:path';
import { datasetStorageDir } from '../../src/platform/service/datasets';
import { createFolderSink, uploadForMode } from '../../src/s3/upload-modes';
import type { WebHarness } from './web-harness';

/**
 * Seeds a dataset of the images `names` in `dir` through the REST API as `winnow run` does: the images stored in full
 * with their thumbnails, one sample per image (with `metaData(name)` when given), and the embeddings CSV (`csv`) PUT to
 * the signed write URL. → the dataset's and the embedding's ids
 */
export async function seedImageDataset(
  h: Pick<WebHarness, 'home' | 'api'>,
  options: { name: string; dir: string; names: string[]; csv: string | Buffer; metaData?: (fileName: string) => Record<string, unknown> },
): Promise<{ id: string; embeddingId: string }> {
  const { dir, names } = options;
  const { id } = await h.api<{ id: string }>('POST', '/v1/datasets', { name: options.name, type: 'Images' });
  const uploaded = await uploadForMode({
    mode: 'full',
    source: { images: names.map((fileName) => ({ fileName, path: path.join(dir, fileName) })) },
    sink: createFolderSink(datasetStorageDir(h.home, id)),
  });
  const thumbs = new Map(uploaded.samples.map((s) => [s.fileName, s.thumbName ?? null]));
  await h.api('POST', `/v1/datasets/${id}/samples/batch`, {
    samples: names.map((fileName) => ({ fileName, thumbName: thumbs.get(fileName) ?? null, ...(options.metaData ? { metaData: options.metaData(fileName) } : {}) })),
  });
  const { signedWriteUrl, embeddingId } = await h.api<{ signedWriteUrl: string; embeddingId: string }>('GET', `/v1/datasets/${id}/embeddings/writeCSVUrl?name=default`);
  const put = await fetch(signedWriteUrl, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: options.csv });
  if (put.status !== 200) throw new Error(`embeddings upload failed: ${put.status} ${await put.text()}`);
  return { id, embeddingId };
}
