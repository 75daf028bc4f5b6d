import { readFile } from 'node:fs/promises';
import { decodeUtf8Strict } from '../utf8';
import { loadEmbeddingMatrix } from '../embeddings';
import { InvalidConfigError, NotFoundError } from '../errors';
import { metadataByFileName, readCustomMetadataFile } from '../metadata';
import type { ProgressCallback } from '../progress';
import type { MetadataByFileName } from './objectives';
import type { KernelChoice } from './kernels/dot-kernel';
import type { ObjectEmbeddingsByTask } from './object-diversity';
import { selectSamples, type SelectionResult } from './select-samples';
import { parseSelectionConfig, type SelectionConfig } from './selection-config';

export interface SelectFromFilesOptions {
  /** A Lightly embeddings CSV (`filenames,embedding_0,…,labels`). */
  embeddingsPath: string;
  /** A Lightly custom metadata JSON (`{images, metadata}`), for METADATA inputs. */
  metadataPath?: string;
  /** SCORES and PREDICTIONS values per file name (`scoresByFileName` / `predictionValues` of src/predictions). */
  scores?: MetadataByFileName;
  predictions?: MetadataByFileName;
  /** Object-crop embeddings per detection task, for object-level DIVERSITY (`{ type: 'EMBEDDINGS', task }`). */
  objectEmbeddings?: ObjectEmbeddingsByTask;
  /** A config object; validated here (a parsed config validates to itself). */
  config: SelectionConfig | Record<string, unknown>;
  preselected?: string[];
  kernel?: KernelChoice;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/**
 * Loads the embeddings CSV (and metadata JSON) and runs {@link selectSamples} on them.
 *
 * Example: `await selectFromFiles({ embeddingsPath: 'embeddings.csv', config: { n: 100, strategy: 'coreset' } })` →
 * `{ selected: ['images/00417.jpg', …100], ranking: [{ fileName, index, score, reason }, …], stoppedBy: 'n', coveringRadius: 0.52, stats }`.
 */
export async function selectFromFiles(options: SelectFromFilesOptions): Promise<SelectionResult> {
  const config = parseSelectionConfig(options.config);
  const embeddings = await loadEmbeddingMatrix(options.embeddingsPath);
  const metadata = options.metadataPath === undefined ? undefined : metadataByFileName(await readCustomMetadataFile(options.metadataPath));
  return selectSamples({
    embeddings,
    metadata,
    scores: options.scores,
    predictions: options.predictions,
    objectEmbeddings: options.objectEmbeddings,
    config,
    preselected: options.preselected,
    source: options.embeddingsPath,
    kernel: options.kernel,
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/**
 * Reads a selection config JSON file without validating it (so a caller can merge flags in first).
 *
 * Example: → `{ n: 100, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] }`.
 */
export async function readSelectionConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = decodeUtf8Strict(await readFile(path), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('selection config file', path);
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidConfigError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidConfigError(`${path}: a selection config must be a JSON object`);
  return value as Record<string, unknown>;
}
