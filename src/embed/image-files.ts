import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '../errors';
import { unsafeFileNameReason } from '../safe-names';

/** Extensions decoded by the sharp build Winnow ships (libvips with libheif/aom for AVIF; HEIC needs a HEVC-enabled libvips). */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.tif',
  '.tiff',
  '.gif',
  '.avif',
  '.heic',
  '.heif',
];

/** Byte order of UTF-8 equals code-point order, which is how Python's `sorted()` orders lightly's file names. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export interface InputScan {
  /** Image files, relative to the input folder with `/` separators, sorted. */
  images: string[];
  /** Files with other extensions, reported as skipped rather than silently dropped. */
  unsupported: string[];
  /** Top-level sub-folders, sorted: their index is the class label, as torchvision's ImageFolder assigns it. */
  classes: string[];
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/**
 * Walks the input folder once. Hidden files and folders (`.DS_Store`, `.git`) are ignored; symlinks are not followed
 * so a link loop cannot hang the walk.
 */
export async function scanInputDir(inputDir: string): Promise<InputScan> {
  const images: string[] = [];
  const unsupported: string[] = [];
  let classes: string[] = [];
  const walk = async (relDir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(inputDir, relDir), { withFileTypes: true });
    } catch (error) {
      if (relDir === '') throw new InvalidConfigError(`input folder ${inputDir} cannot be read: ${(error as Error).message}`);
      throw error;
    }
    if (relDir === '') {
      classes = entries
        .filter((e) => e.isDirectory() && !isHidden(e.name))
        .map((e) => e.name)
        .sort(compareNames);
    }
    for (const entry of entries) {
      if (isHidden(entry.name)) continue;
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isDirectory()) await walk(rel);
      else if (entry.isFile()) (isImageName(rel) ? images : unsupported).push(rel);
    }
  };
  await walk('');
  images.sort(compareNames);
  unsupported.sort(compareNames);
  return { images, unsupported, classes };
}

/**
 * Only the sorted top-level sub-folders (the class names), without walking the tree: what a shard that embeds a
 * given subset needs, so each of many shards does not list a million files.
 */
export async function listClasses(inputDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(inputDir, { withFileTypes: true });
  } catch (error) {
    throw new InvalidConfigError(`input folder ${inputDir} cannot be read: ${(error as Error).message}`);
  }
  return entries
    .filter((e) => e.isDirectory() && !isHidden(e.name))
    .map((e) => e.name)
    .sort(compareNames);
}

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/**
 * Image files under a folder, relative with `/` separators and sorted like lightly sorts them.
 *
 * @example
 * await listImageFiles('data/');
 * // ['cats/001.jpg', 'cats/002.png', 'dogs/001.jpg', 'loose.webp']
 */
export async function listImageFiles(inputDir: string): Promise<string[]> {
  return (await scanInputDir(inputDir)).images;
}

/**
 * The class folders of a dataset known only by its file names (an S3 listing), as `listClasses` would find them in a
 * synced copy: the sorted first folders of the names. Lets a shard be labelled like the whole dataset.
 *
 * @example classesOf(['dogs/1.jpg', 'cats/2.jpg', 'loose.jpg', 'cats/3.jpg']) // → ['cats', 'dogs']
 */
export function classesOf(fileNames: Iterable<string>): string[] {
  const folders = new Set<string>();
  for (const name of fileNames) {
    const slash = name.indexOf('/');
    if (slash > 0 && !isHidden(name.slice(0, slash))) folders.add(name.slice(0, slash));
  }
  return [...folders].sort(compareNames);
}

/**
 * The label lightly's folder loader gives a file: the index of its first sub-folder among the sorted top-level
 * sub-folders, or 0 for files directly in the input folder.
 *
 * @example
 * labelFor('dogs/001.jpg', ['cats', 'dogs']); // 1
 * labelFor('loose.webp', ['cats', 'dogs']); // 0
 */
export function labelFor(relPath: string, classes: readonly string[]): number {
  const slash = relPath.indexOf('/');
  if (slash < 0) return 0;
  const index = classes.indexOf(relPath.slice(0, slash));
  return index < 0 ? 0 : index;
}

/** Checks a caller-given subset (Temporal shards) stays inside the input folder; returns it normalised to `/`. */
export function normaliseSubset(inputDir: string, files: readonly string[]): string[] {
  const root = path.resolve(inputDir);
  return files.map((file) => {
    const rel = file.split(path.sep).join('/');
    const abs = path.resolve(root, rel);
    const unsafe = unsafeFileNameReason(rel);
    if (unsafe !== undefined || (abs !== root && !abs.startsWith(root + path.sep))) {
      throw new InvalidConfigError(`file ${JSON.stringify(file)} is not a relative path inside ${inputDir}${unsafe ? ` (it ${unsafe})` : ''}`);
    }
    return path.relative(root, abs).split(path.sep).join('/');
  });
}
