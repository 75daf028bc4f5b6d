import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeUtf8Strict } from './utf8';

/**
 * THE file format for lists of file names (a run's image list, shard lists, the datapool, `--query`/`--preselected`,
 * `--filenames`): UTF-8, one name per line, `\n` after each. Names cannot hold a line break (the safe-name check
 * refuses control characters), so no quoting is needed, and `export`'s output reads back as it is.
 */
export function formatNameList(names: readonly string[]): string {
  return names.length === 0 ? '' : `${names.join('\n')}\n`;
}

/** The names of a list; a Windows editor's `\r\n` is read as a line end, empty lines are skipped. */
export function parseNameList(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line !== '');
}

/** Writes a name-list file atomically (temp + rename), so a crash never leaves a half list that a retry would trust. */
export async function writeNameListFile(file: string, names: readonly string[]): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, formatNameList(names));
  await rename(temp, file);
}

/** Reads a name-list file; bytes that are not UTF-8 are refused, naming the file and offset. */
export async function readNameListFile(file: string): Promise<string[]> {
  return parseNameList(decodeUtf8Strict(await readFile(file), file));
}
