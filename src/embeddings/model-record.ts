import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { InvalidConfigError, InvalidInputError, type ErrorCode } from '../errors';

/**
 * Which model made an embeddings CSV. Lightly's CSV has no place for it (an extra column would break lightly's
 * readers), so it lives beside the CSV in `<csv>.model.json`: `{"model":"efficientnet-lite0@1c0a…","dim":1280}`.
 * Two models' vectors are not comparable even at the same dimension, so resuming, merging or selecting across
 * files made by different models is refused (MODEL_MISMATCH).
 */
export interface ModelRecord {
  model: string;
  dim: number;
}

export const MODEL_MISMATCH = 'MODEL_MISMATCH' satisfies ErrorCode;

/** `embeddings.csv` → `embeddings.csv.model.json`. */
export function modelRecordPath(csvPath: string): string {
  return `${csvPath}.model.json`;
}

/** The record beside `csvPath`, or undefined when there is none (a CSV from lightly, another tool or older Winnow). */
export async function readModelRecord(csvPath: string): Promise<ModelRecord | undefined> {
  const file = modelRecordPath(csvPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError({ file }, `not valid JSON: ${(error as Error).message}`, 'INVALID_MODEL_RECORD');
  }
  const record = value as Partial<ModelRecord> | null;
  if (typeof record?.model !== 'string' || record.model === '') {
    throw new InvalidInputError({ file, column: 'model' }, 'must be a non-empty string', 'INVALID_MODEL_RECORD');
  }
  if (!Number.isInteger(record.dim) || (record.dim as number) < 1) {
    throw new InvalidInputError({ file, column: 'dim' }, 'must be a positive integer', 'INVALID_MODEL_RECORD');
  }
  return { model: record.model, dim: record.dim as number };
}

/** Writes (atomically) or, with `undefined`, removes the record beside `csvPath`. */
export async function writeModelRecord(csvPath: string, record: ModelRecord | undefined): Promise<void> {
  const file = modelRecordPath(csvPath);
  if (record === undefined) {
    await rm(file, { force: true });
    return;
  }
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, `${JSON.stringify({ model: record.model, dim: record.dim })}\n`);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Throws MODEL_MISMATCH, naming both models, when two sources' recorded models differ; unrecorded sources pass.
 *
 * @example
 * assertSameModel({ source: 'a.csv', model: 'efficientnet-lite0@1c0a…' }, { source: 'b.csv', model: 'nsfwjs-mobilenet_v2@3f2a…' }, 'merge');
 * // throws: cannot merge a.csv (made by efficientnet-lite0@1c0a…) with b.csv (made by nsfwjs-mobilenet_v2@3f2a…): …
 */
export function assertSameModel(
  a: { source: string; model: string | undefined },
  b: { source: string; model: string | undefined },
  action: string,
): void {
  if (a.model === undefined || b.model === undefined || a.model === b.model) return;
  throw new InvalidConfigError(
    `cannot ${action} ${a.source} (made by ${a.model}) with ${b.source} (made by ${b.model}): embeddings of two models are not comparable; embed both with the same --model`,
    MODEL_MISMATCH,
  );
}
