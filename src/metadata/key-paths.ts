import type { CustomMetadata } from './custom-metadata';
import { isFloatAt } from './json-source';

/** The value types the configurator distinguishes (the platform's NUMERIC_INT, NUMERIC_FLOAT, CATEGORICAL_*…). */
export type MetadataValueType = 'integer' | 'float' | 'string' | 'boolean' | 'array' | 'null';

/** One leaf key path with its type and how many images have it. */
export interface MetadataKey {
  path: string;
  type: MetadataValueType;
  count: number;
}

/**
 * Each image's metadata entry by file name (the entry as in the file, `image_id` included, as lightly uploads it).
 *
 * Example: → `Map { 'image0.jpg' => { image_id: 0, number_of_pedestrians: 3, weather: {…} }, … }`.
 */
export function metadataByFileName(meta: CustomMetadata): Map<string, Record<string, unknown>> {
  const names = new Map<number | string, string>();
  for (const image of meta.images) names.set(image.id, image.file_name);
  const result = new Map<string, Record<string, unknown>>();
  for (const entry of meta.metadata) {
    const name = names.get(entry.image_id);
    if (name !== undefined) result.set(name, entry);
  }
  return result;
}

/**
 * The value at a dotted key path; array elements by index (`tags.0`). Undefined when any step is missing.
 *
 * Example: `getMetadataValue({ weather: { temperature: 20.3 } }, 'weather.temperature')` → `20.3`.
 */
export function getMetadataValue(obj: unknown, path: string): unknown {
  let current: unknown = obj;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else {
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}

function leafType(container: object, key: string, value: unknown): MetadataValueType | undefined {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'number':
      return isFloatAt(container, key, value) ? 'float' : 'integer';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    default:
      return undefined;
  }
}

/**
 * Every leaf key path of the metadata entries (nested objects are walked, arrays are leaves, `image_id` is skipped)
 * with its type and the number of images that have it, sorted by path. A path that is whole in some images and
 * fractional in others is one "float" path; other type clashes give one row per type.
 *
 * Example: → `[{ path: 'night', type: 'boolean', count: 1 }, { path: 'number_of_pedestrians', type: 'integer',
 * count: 3 }, { path: 'weather.temperature', type: 'float', count: 3 }, …]`.
 */
export function discoverMetadataKeys(meta: CustomMetadata): MetadataKey[] {
  const counts = new Map<string, Map<MetadataValueType, number>>();
  const visit = (value: Record<string, unknown>, prefix: string, top: boolean) => {
    for (const [key, child] of Object.entries(value)) {
      if (top && key === 'image_id') continue;
      const path = prefix ? `${prefix}.${key}` : key;
      if (typeof child === 'object' && child !== null && !Array.isArray(child)) {
        visit(child as Record<string, unknown>, path, false);
        continue;
      }
      const type = leafType(value, key, child);
      if (!type) continue;
      let byType = counts.get(path);
      if (!byType) counts.set(path, (byType = new Map()));
      byType.set(type, (byType.get(type) ?? 0) + 1);
    }
  };
  for (const entry of meta.metadata) visit(entry as Record<string, unknown>, '', true);
  const result: MetadataKey[] = [];
  for (const [path, byType] of counts) {
    const integers = byType.get('integer') ?? 0;
    const floats = byType.get('float') ?? 0;
    if (integers > 0 && floats > 0) {
      byType.delete('integer');
      byType.set('float', integers + floats);
    }
    for (const [type, count] of byType) result.push({ path, type, count });
  }
  return result.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : b.count - a.count));
}
