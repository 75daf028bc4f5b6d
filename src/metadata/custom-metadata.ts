import { readFile, stat, writeFile } from 'node:fs/promises';
import { InvalidInputError, NotFoundError } from '../errors';
import { unsafeFileNameReason } from '../safe-names';
import { decodeUtf8Strict } from '../utf8';
import { copyNumberMarks, INVALID_METADATA, markFloat, parseJsonWithPositions, positionOf, PyFloat } from './json-source';
import { stringifyPythonJson } from './python-json';

/*
 * Lightly's COCO-like custom metadata file (lightly `format_custom_metadata`, platform docs):
 * `{"images": [{"id": 0, "file_name": "a.jpg"}], "metadata": [{"image_id": 0, …any JSON…}]}`.
 */

/** An image: `id` (an integer in lightly's files; strings are accepted) and its file name relative to the dataset. */
export interface CustomMetadataImage {
  id: number | string;
  file_name: string;
  [key: string]: unknown;
}

/** One image's metadata: `image_id` plus any JSON. */
export interface CustomMetadataEntry {
  image_id: number | string;
  [key: string]: unknown;
}

export interface CustomMetadata {
  images: CustomMetadataImage[];
  metadata: CustomMetadataEntry[];
}

// V8 cannot hold a string longer than ~512 MiB, and the whole file is parsed as one string.
const MAX_FILE_BYTES = 512 * 1024 * 1024;
// One metadata entry becomes one sample's customMetaData document on the platform; a megabyte is far beyond any real
// use (weather, counts, tags) and keeps a runaway export from filling the store.
const MAX_ENTRY_BYTES = 1024 * 1024;
// Metadata paths are shown and picked in the configurator; deeper nesting is a sign of a dumped object graph.
const MAX_DEPTH = 16;
// Warnings and error lists name at most this many items.
const MAX_LISTED = 5;

export interface ValidateMetadataOptions {
  /** Shown in messages (and used for line numbers when the value came from parseJsonWithPositions). */
  file: string;
  /** The dataset's file names: images outside it are reported as a warning (lightly's upload skips them). */
  fileNames?: Iterable<string>;
}

function list(names: unknown[], total: number): string {
  return names.map((n) => JSON.stringify(n)).join(', ') + (total > names.length ? ', …' : '');
}

/**
 * Checks a parsed custom-metadata value. Errors (InvalidInputError, with the line and column of the offending
 * object when known): not an object, missing/non-array `images` or `metadata`, non-object entries, image without
 * `id` or `file_name`, duplicate ids or file names, metadata with an unknown or repeated `image_id`, nesting deeper
 * than 16 levels, an entry over 1 MiB. Warnings: images without metadata, images not in `fileNames`, keys with dots.
 *
 * Example: → `{ metadata: {images: […], metadata: […]}, warnings: ['1 image has no metadata: "c.jpg"'] }`.
 */
export function validateCustomMetadata(
  value: unknown,
  options: ValidateMetadataOptions,
): { metadata: CustomMetadata; warnings: string[] } {
  const { file } = options;
  const fail = (problem: string, at?: unknown): never => {
    const position = positionOf(at);
    throw new InvalidInputError({ file, line: position?.line, column: position?.column }, problem, INVALID_METADATA);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`the top level must be a JSON object with "images" and "metadata", found ${describeType(value)}`, value);
  }
  const root = value as Record<string, unknown>;
  for (const key of ['images', 'metadata']) {
    if (!(key in root)) fail(`missing the top-level key "${key}"`, root);
    if (!Array.isArray(root[key])) fail(`"${key}" must be an array, found ${describeType(root[key])}`, root);
  }
  const images = root.images as unknown[];
  const entries = root.metadata as unknown[];
  const warnings: string[] = [];

  const byId = new Map<number | string, number>();
  const byName = new Map<string, number>();
  images.forEach((image, index) => {
    const where = `images[${index}]`;
    if (typeof image !== 'object' || image === null || Array.isArray(image)) fail(`${where} must be an object, found ${describeType(image)}`, images);
    const record = image as Record<string, unknown>;
    if (!('id' in record)) fail(`${where} has no "id"`, record);
    const id = record.id;
    if (!((typeof id === 'number' && Number.isInteger(id)) || typeof id === 'string')) {
      fail(`${where}.id must be an integer (or a string), found ${describeType(id)}`, record);
    }
    if (!('file_name' in record)) fail(`${where} has no "file_name"`, record);
    const name = record.file_name;
    if (typeof name !== 'string' || name === '') fail(`${where}.file_name must be a non-empty string, found ${describeType(name)}`, record);
    const unsafe = unsafeFileNameReason(name as string);
    if (unsafe !== undefined) fail(`${where}.file_name ${JSON.stringify(name)} ${unsafe}; names must be relative paths inside the image folder`, record);
    const key = id as number | string;
    const previousId = byId.get(key);
    if (previousId !== undefined) fail(`${where} repeats id ${JSON.stringify(key)} of images[${previousId}]`, record);
    byId.set(key, index);
    const previousName = byName.get(name as string);
    if (previousName !== undefined) fail(`${where} repeats file_name ${JSON.stringify(name)} of images[${previousName}]`, record);
    byName.set(name as string, index);
  });

  const described = new Map<number | string, number>();
  const dottedKeys = new Set<string>();
  entries.forEach((entry, index) => {
    const where = `metadata[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(`${where} must be an object, found ${describeType(entry)}`, entries);
    const record = entry as Record<string, unknown>;
    if (!('image_id' in record)) fail(`${where} has no "image_id"`, record);
    const id = record.image_id as number | string;
    if (!byId.has(id)) fail(`${where}.image_id ${JSON.stringify(id)} matches no image in "images"`, record);
    const previous = described.get(id);
    if (previous !== undefined) fail(`${where} is a second entry for image_id ${JSON.stringify(id)} (first: metadata[${previous}])`, record);
    described.set(id, index);
    const depth = nestingDepth(record);
    if (depth > MAX_DEPTH) fail(`${where} is nested ${depth} levels deep; the limit is ${MAX_DEPTH}`, record);
    const size = Buffer.byteLength(JSON.stringify(record));
    if (size > MAX_ENTRY_BYTES) fail(`${where} is ${size} bytes as JSON; the limit is ${MAX_ENTRY_BYTES} per image`, record);
    collectDottedKeys(record, '', dottedKeys);
  });

  const undescribed = images.filter((image) => !described.has((image as CustomMetadataImage).id));
  if (undescribed.length > 0) {
    const names = undescribed.slice(0, MAX_LISTED).map((image) => (image as CustomMetadataImage).file_name);
    warnings.push(`${undescribed.length} image${undescribed.length === 1 ? ' has' : 's have'} no metadata: ${list(names, undescribed.length)}`);
  }
  if (options.fileNames) {
    const known = options.fileNames instanceof Set ? (options.fileNames as Set<string>) : new Set(options.fileNames);
    const unknown = [...byName.keys()].filter((name) => !known.has(name));
    if (unknown.length > 0) {
      warnings.push(
        `${unknown.length} image${unknown.length === 1 ? ' is' : 's are'} not in the dataset and will be skipped: ${list(unknown.slice(0, MAX_LISTED), unknown.length)}`,
      );
    }
  }
  if (dottedKeys.size > 0) {
    const keys = [...dottedKeys];
    warnings.push(
      `${keys.length} key${keys.length === 1 ? ' contains' : 's contain'} a dot, which key paths like "weather.temperature" cannot address: ${list(keys.slice(0, MAX_LISTED), keys.length)}`,
    );
  }
  return { metadata: root as unknown as CustomMetadata, warnings };
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (value === undefined) return 'nothing';
  return `${typeof value} ${String(value)}`;
}

function nestingDepth(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, nestingDepth(child));
  return deepest + 1;
}

function collectDottedKeys(value: unknown, prefix: string, out: Set<string>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key.includes('.')) out.add(path);
    collectDottedKeys(child, path, out);
  }
}

/**
 * Reads and validates a custom-metadata JSON file. Syntax errors name line and column
 * (`meta.json:6:9: invalid JSON: trailing comma before "}" …`); see validateCustomMetadata for the rest.
 * Numbers written as floats stay marked, so saveCustomMetadata writes the file back byte for byte.
 *
 * Example: → `{ images: [{ id: 0, file_name: 'image0.jpg' }, …], metadata: [{ image_id: 0, weather: {…} }, …] }`.
 */
export async function readCustomMetadataFile(path: string, options: { fileNames?: Iterable<string> } = {}): Promise<CustomMetadata> {
  return (await readCustomMetadataWithWarnings(path, options)).metadata;
}

/** readCustomMetadataFile plus the validation warnings (for the CLI and nodes that show them). */
export async function readCustomMetadataWithWarnings(
  path: string,
  options: { fileNames?: Iterable<string> } = {},
): Promise<{ metadata: CustomMetadata; warnings: string[] }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('metadata file', path);
    throw error;
  }
  if (size > MAX_FILE_BYTES) {
    throw new InvalidInputError({ file: path }, `the file is ${size} bytes; custom metadata files are limited to ${MAX_FILE_BYTES}`, INVALID_METADATA);
  }
  // Strictly UTF-8: a UTF-16 or Latin-1 file must not turn into U+FFFD names that match nothing.
  let text = decodeUtf8Strict(await readFile(path), path);
  // Python's json.load rejects a BOM, but editors add one; it carries no data.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const value = parseJsonWithPositions(text, path);
  return validateCustomMetadata(value, { file: path, fileNames: options.fileNames });
}

/** Deep copy that turns PyFloat wrappers into plain numbers marked as floats, and keeps existing float marks. */
function copyMarked(value: unknown): unknown {
  if (value instanceof PyFloat) return value.value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((item, index) => {
      out.push(copyMarked(item));
      if (item instanceof PyFloat) markFloat(out, index);
      else copyNumberMarks(value, index, out, index);
    });
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: copyMarked(item), enumerable: true, writable: true, configurable: true });
      if (item instanceof PyFloat) markFloat(out, key);
      else copyNumberMarks(value, key, out, key);
    }
    return out;
  }
  return value;
}

/**
 * lightly's `format_custom_metadata`: ids are the 0-based positions, `image_id` comes first in each entry.
 * Use `pyFloat(15)` for a whole number that Python would hold as a float (written `15.0`).
 *
 * Example: `formatCustomMetadata([['a.jpg', { weather: { temperature: 20.3 } }]])` →
 * `{ images: [{ id: 0, file_name: 'a.jpg' }], metadata: [{ image_id: 0, weather: { temperature: 20.3 } }] }`.
 */
export function formatCustomMetadata(entries: Array<[fileName: string, metadata: object]>): CustomMetadata {
  const images: CustomMetadataImage[] = [];
  const metadata: CustomMetadataEntry[] = [];
  entries.forEach(([fileName, data], index) => {
    images.push({ id: index, file_name: fileName });
    const entry = copyMarked({ image_id: index, ...data }) as CustomMetadataEntry;
    // The spread above loses the number marks of `data`'s own keys; copy them across.
    for (const key of Object.keys(data)) copyNumberMarks(data, key, entry, key);
    metadata.push(entry);
  });
  return { images, metadata };
}

/**
 * lightly's `save_custom_metadata` output: Python `json.dump` text with 4-space indent, no trailing newline
 * (byte-identical to files written by lightly). `indent: null` gives Python's compact single line.
 */
export async function saveCustomMetadata(path: string, formatted: CustomMetadata, options: { indent?: number | null } = {}): Promise<void> {
  await writeFile(path, stringifyPythonJson(formatted, options.indent === undefined ? 4 : options.indent), 'utf8');
}
