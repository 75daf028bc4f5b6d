import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh temporary directory for one test file. */
export function tempDir(prefix = 'winnow-embeddings-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Writes `text` to `dir/name` and returns the path. */
export function writeText(dir: string, name: string, text: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

export { FIXTURES } from '../fixture-files';
