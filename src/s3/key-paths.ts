import path from 'node:path';
import picomatch from 'picomatch';
import { isImageName } from '../embed/image-files';
import { unsafeFileNameReason } from '../safe-names';

/** The folder inside a sync target that holds Winnow's own state (manifest, partial downloads); never synced. */
export const STATE_DIR = '.winnow';

// Linux and macOS refuse longer file-name components (NAME_MAX).
const MAX_SEGMENT_BYTES = 255;
// S3's own limit on key length.
export const MAX_KEY_BYTES = 1024;

export type SafePath = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Maps a key (relative to the synced prefix) to a file under `targetDir`, or says why it must not be written:
 * keys refused by unsafeFileNameReason (absolute, `..`, NUL, backslash), with `.`/empty segments, or that would land
 * in Winnow's state folder are refused, so no listing can make the sync write outside its target.
 *
 * @example safeLocalPath('/data/farm', 'cows/001.jpg') // → { ok: true, path: '/data/farm/cows/001.jpg' }
 * @example safeLocalPath('/data/farm', '../etc/passwd') // → { ok: false, reason: 'key has a ".." segment' }
 */
export function safeLocalPath(targetDir: string, relativeKey: string): SafePath {
  const unsafe = unsafeFileNameReason(relativeKey);
  if (unsafe !== undefined) return { ok: false, reason: `key ${unsafe}` };
  const segments = relativeKey.split('/');
  for (const segment of segments) {
    if (segment === '.') return { ok: false, reason: 'key has a "." segment' };
    if (segment === '') return { ok: false, reason: 'key has an empty segment ("//")' };
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return { ok: false, reason: `a key segment is longer than ${MAX_SEGMENT_BYTES} bytes` };
  }
  if (segments[0] === STATE_DIR) return { ok: false, reason: `key lies in the reserved ${STATE_DIR}/ folder` };
  const root = path.resolve(targetDir);
  const resolved = path.resolve(root, ...segments);
  // Belt and braces: whatever the checks above missed, the result must stay inside the target.
  if (!resolved.startsWith(root + path.sep)) return { ok: false, reason: 'key resolves outside the target folder' };
  return { ok: true, path: resolved };
}

/** Which keys a sync takes. */
export interface KeyFilterOptions {
  /** Globs a key must match (any of them); all keys when empty. A glob without `/` matches the file name at any depth. */
  include?: string[];
  /** Globs that drop a key even when included. */
  exclude?: string[];
  /** Only keys with an image extension the embed step decodes. */
  imagesOnly?: boolean;
}

/**
 * Compiles include/exclude globs and the image filter into one predicate over keys relative to the synced prefix.
 *
 * @example createKeyFilter({ include: ['*.jpg'], exclude: ['tmp/**'] })('cows/1.jpg') // → true
 */
export function createKeyFilter(options: KeyFilterOptions): (relativeKey: string) => boolean {
  const include = options.include?.length ? compileGlobs(options.include) : undefined;
  const exclude = options.exclude?.length ? compileGlobs(options.exclude) : undefined;
  return (key) => {
    if (options.imagesOnly && !isImageKey(key)) return false;
    if (include && !include(key)) return false;
    if (exclude && exclude(key)) return false;
    return true;
  };
}

function compileGlobs(globs: string[]): (key: string) => boolean {
  // picomatch's `basename` applies to every pattern given with it, so name-only globs are compiled apart.
  const names = globs.filter((g) => !g.includes('/'));
  const paths = globs.filter((g) => g.includes('/'));
  const byName = names.length ? picomatch(names, { dot: true, basename: true }) : () => false;
  const byPath = paths.length ? picomatch(paths, { dot: true }) : () => false;
  return (key) => byName(key) || byPath(key);
}

/** Whether a key or file name has an extension the embed step decodes (one list: src/embed's). */
export function isImageKey(key: string): boolean {
  return isImageName(key.slice(key.lastIndexOf('/') + 1));
}

/** Compares keys the way S3 orders a listing (UTF-8 bytes), which differs from JS string order above U+FFFF. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
