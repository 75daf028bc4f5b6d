import { createReadStream, existsSync } from 'node:fs';
import { appendFile, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidInputError } from '../errors';
import type { ImageMeasures } from './measures';

/**
 * The measures of an embed run, one JSON object per line (JSONL) beside the embeddings CSV. Appended per batch, so
 * it resumes with the CSV: a rerun measures only the files it embeds.
 */
export class MeasuresWriter {
  private pending: string[] = [];

  private constructor(readonly filePath: string) {}

  /** Opens `filePath` for appending (`append` true, the default) or starts it empty. */
  static async open(filePath: string, append = true): Promise<MeasuresWriter> {
    await mkdir(path.dirname(path.resolve(filePath)), { recursive: true });
    const exists = await stat(filePath).then(
      () => true,
      () => false,
    );
    if (!append || !exists) await writeFile(filePath, '');
    return new MeasuresWriter(filePath);
  }

  add(measures: ImageMeasures): void {
    this.pending.push(JSON.stringify(measures));
  }

  /** Hands the buffered lines to the OS (called with the CSV's flush, once per batch). */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    await appendFile(this.filePath, text);
  }
}

/** The measures file that goes with an embeddings CSV: `embeddings.csv` → `embeddings.measures.jsonl`. */
export function measuresPathFor(csvPath: string): string {
  const ext = path.extname(csvPath);
  return (ext === '' ? csvPath : csvPath.slice(0, -ext.length)) + '.measures.jsonl';
}

/**
 * The measures beside each of these embeddings CSVs (shards, a datapool), merged by file name; a CSV without a
 * measures file adds none (embedded with `measuresOut: false`, or by an older version).
 */
export async function readMeasuresBeside(csvPaths: readonly string[]): Promise<Map<string, ImageMeasures>> {
  const all = new Map<string, ImageMeasures>();
  for (const csv of csvPaths) {
    const file = measuresPathFor(csv);
    if (!existsSync(file)) continue;
    for (const [name, m] of await readMeasuresFile(file)) all.set(name, m);
  }
  return all;
}

/**
 * Reads a measures JSONL into a map by file name, streaming; a later line for the same file wins (a resumed run).
 * A malformed line is an error naming the file and line.
 */
export async function readMeasuresFile(filePath: string): Promise<Map<string, ImageMeasures>> {
  const byName = new Map<string, ImageMeasures>();
  const lines = createInterface({ input: createReadStream(filePath), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InvalidInputError({ file: filePath, line }, `not JSON (${(error as Error).message})`);
    }
    const m = value as Partial<ImageMeasures>;
    if (typeof m !== 'object' || m === null || typeof m.fileName !== 'string' || typeof m.sha256 !== 'string') {
      throw new InvalidInputError({ file: filePath, line, column: 'fileName' }, 'expected an object with "fileName" and "sha256"');
    }
    byName.set(m.fileName, m as ImageMeasures);
  }
  return byName;
}
