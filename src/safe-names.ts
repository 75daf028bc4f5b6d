import path from 'node:path';
import { InvalidInputError, type ErrorCode, type FileLocation } from './errors';

/**
 * Why a file name taken from input (a CSV row, a metadata file, an API body, an S3 key) may not become a path under
 * its folder, or undefined when it may. Names are `/`-separated and relative; what is refused is what could leave
 * the folder or be read differently on another system: a `..` segment, an absolute path (`/x`, `C:x`), a NUL byte
 * or a backslash.
 *
 * @example unsafeFileNameReason('../outside/private.png') // → 'has a ".." segment'
 * @example unsafeFileNameReason('cows/cow-001.jpg') // → undefined
 */
export function unsafeFileNameReason(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter (an absolute path on Windows)';
  if (name.split('/').includes('..')) return 'has a ".." segment';
  return undefined;
}

/**
 * Throws InvalidInputError at `location` when `name` may not become a path (see unsafeFileNameReason) — the one
 * check every reader of names from files or requests uses.
 *
 * @example assertSafeFileName('/etc/passwd', { file: 'embeddings.csv', line: 3, column: 'filenames' })
 * // throws: embeddings.csv:3 (column "filenames"): file name "/etc/passwd" is an absolute path; …
 */
export function assertSafeFileName(name: string, location: FileLocation, code: ErrorCode = 'UNSAFE_FILE_NAME'): void {
  const reason = unsafeFileNameReason(name);
  if (reason !== undefined) {
    throw new InvalidInputError(location, `file name ${JSON.stringify(name)} ${reason}; names must be relative paths inside their folder`, code);
  }
}

/**
 * `folder/name` for a checked name, and never a path outside `folder` (checked again on the joined path).
 *
 * @example pathInsideFolder('/data/in', 'cows/a.jpg', { file: 'embeddings.csv' }) // → '/data/in/cows/a.jpg'
 */
export function pathInsideFolder(folder: string, name: string, location: FileLocation): string {
  assertSafeFileName(name, location);
  const root = path.resolve(folder);
  const full = path.resolve(root, ...name.split('/'));
  if (full !== root && !full.startsWith(root + path.sep)) {
    throw new InvalidInputError(location, `file name ${JSON.stringify(name)} leaves its folder`, 'UNSAFE_FILE_NAME');
  }
  return full;
}
