import { useCallback, useEffect, useState } from 'react';
import type { Api, DatasetData, MetadataConfiguration, SampleData, TagData } from './api';

// Samples per request while loading a dataset: 100,000 samples arrive in 20 requests, each small enough to parse
// without freezing the page.
const PAGE_SIZE = 5000;

/** Name of the configurations the Configurator writes: each holds every configured field. */
export const CONFIGURATOR_SNAPSHOT = 'Configurator';

/** One configured metadata field as the filters and the map use it. */
export type MetadataField = MetadataConfiguration['configs'][number];

export interface DatasetState {
  dataset: DatasetData | null;
  /** Samples in dataset order (index k = bit k of every tag), filled page by page. */
  samples: SampleData[];
  loadedAll: boolean;
  tags: TagData[];
  fields: MetadataField[];
  error: string | null;
  reloadTags: () => Promise<void>;
  reloadFields: () => Promise<void>;
  reloadDataset: () => Promise<void>;
}

/** Loads a dataset, all its samples (paged), tags and configured metadata fields. */
export function useDataset(api: Api, datasetId: string): DatasetState {
  const [dataset, setDataset] = useState<DatasetData | null>(null);
  const [samples, setSamples] = useState<SampleData[]>([]);
  const [loadedAll, setLoadedAll] = useState(false);
  const [tags, setTags] = useState<TagData[]>([]);
  const [fields, setFields] = useState<MetadataField[]>([]);
  const [error, setError] = useState<string | null>(null);

  const reloadTags = useCallback(async () => setTags(await api.getTags(datasetId)), [api, datasetId]);
  const reloadFields = useCallback(async () => {
    const configurations = await api.getMetadataConfigurations(datasetId);
    // The Configurator saves a full snapshot of the fields (so an entry can be edited or deleted); configurations
    // posted after the latest snapshot (by the API, say) add to it, later ones overriding earlier for the same path.
    let from = 0;
    configurations.forEach((c, k) => c.name === CONFIGURATOR_SNAPSHOT && (from = k));
    const byPath = new Map<string, MetadataField>();
    for (const c of configurations.slice(from)) for (const f of c.configs) byPath.set(f.path, f);
    setFields([...byPath.values()]);
  }, [api, datasetId]);

  const reloadDataset = useCallback(async () => {
    setError(null);
    setLoadedAll(false);
    try {
      const ds = await api.getDataset(datasetId);
      setDataset(ds);
      await Promise.all([reloadTags(), reloadFields()]);
      const all: SampleData[] = [];
      for (let offset = 0; ; offset += PAGE_SIZE) {
        const page = await api.getSamples(datasetId, { pageSize: PAGE_SIZE, pageOffset: offset });
        all.push(...page);
        setSamples(all.slice());
        if (page.length < PAGE_SIZE) break;
      }
      setLoadedAll(true);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [api, datasetId, reloadTags, reloadFields]);

  useEffect(() => {
    setSamples([]);
    setTags([]);
    setFields([]);
    void reloadDataset();
  }, [reloadDataset]);

  return { dataset, samples, loadedAll, tags, fields, error, reloadTags, reloadFields, reloadDataset };
}

/** `getPath({ weather: { temperature: 21 } }, 'weather.temperature')` → `21` */
export function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A sample's value for a configured field, or the field's fallback when it has none. */
export function fieldValue(sample: SampleData, field: MetadataField): unknown {
  const value = getPath(sample.customMetaData ?? undefined, field.path);
  return value === undefined || value === null ? field.defaultValue : value;
}

export function isNumericField(field: MetadataField): boolean {
  return field.valueDataType === 'NUMERIC_INT' || field.valueDataType === 'NUMERIC_FLOAT';
}

/**
 * Every leaf path of the samples' custom metadata with the type its values suggest — what the configurator offers.
 * → `[{ path: 'weather.temperature', suggested: 'NUMERIC_FLOAT', example: 21.5 }, …]`
 */
export function discoverPaths(samples: SampleData[], limit = 2000): { path: string; suggested: MetadataField['valueDataType']; example: unknown }[] {
  const found = new Map<string, { kinds: Set<string>; example: unknown; integers: boolean }>();
  const walk = (value: unknown, prefix: string) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, prefix === '' ? k : `${prefix}.${k}`);
      return;
    }
    if (prefix === '' || value === null || value === undefined) return;
    const entry = found.get(prefix) ?? { kinds: new Set<string>(), example: value, integers: true };
    entry.kinds.add(typeof value);
    if (typeof value === 'number' && !Number.isInteger(value)) entry.integers = false;
    found.set(prefix, entry);
  };
  // A sample of the samples is enough to discover keys; scanning 100,000 objects would stall the configurator.
  const step = Math.max(1, Math.floor(samples.length / limit));
  for (let i = 0; i < samples.length; i += step) walk(samples[i].customMetaData ?? undefined, '');
  return [...found.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, e]) => {
      let suggested: MetadataField['valueDataType'] = 'OTHER_STRING';
      if (e.kinds.size === 1 && e.kinds.has('number')) suggested = e.integers ? 'NUMERIC_INT' : 'NUMERIC_FLOAT';
      else if (e.kinds.size === 1 && e.kinds.has('boolean')) suggested = 'CATEGORICAL_BOOLEAN';
      else if (e.kinds.size === 1 && e.kinds.has('string')) suggested = 'CATEGORICAL_STRING';
      return { path, suggested, example: e.example };
    });
}

/** The active filters of Explore: a range per numeric field, a set of allowed values per categorical one. */
export interface Filters {
  ranges: Record<string, [number, number]>;
  values: Record<string, string[]>;
}

export const NO_FILTERS: Filters = { ranges: {}, values: {} };

/** Each configured field's value for every sample, in dataset order: computed once, so filtering is array scans. */
export type FieldColumns = Map<string, unknown[]>;

export function fieldColumns(samples: SampleData[], fields: MetadataField[]): FieldColumns {
  return new Map(fields.map((f) => [f.path, samples.map((s) => fieldValue(s, f))]));
}

/**
 * Indices (dataset order) of the samples that pass every filter and, when given, belong to the tag. `except` leaves
 * one field's filter out: a facet counts what the *other* filters let through.
 */
export function applyFilters(count: number, columns: FieldColumns, filters: Filters, members: Uint8Array | null, except?: string): number[] {
  const ranges = Object.entries(filters.ranges).flatMap(([path, range]) => {
    if (path === except) return [];
    const column = columns.get(path);
    return column ? [{ column, lo: range[0], hi: range[1] }] : [];
  });
  const sets = Object.entries(filters.values).flatMap(([path, allowed]) => {
    if (path === except) return [];
    const column = columns.get(path);
    return column ? [{ column, allowed: new Set(allowed) }] : [];
  });
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (members !== null && !members[i]) continue;
    let pass = true;
    for (const r of ranges) {
      const v = r.column[i];
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n) || n < r.lo || n > r.hi) {
        pass = false;
        break;
      }
    }
    if (pass) {
      for (const c of sets) {
        if (!c.allowed.has(String(c.column[i]))) {
          pass = false;
          break;
        }
      }
    }
    if (pass) out.push(i);
  }
  return out;
}

/** Min and max of a numeric field over the samples (null when none has a number). */
export function numericExtent(samples: SampleData[], field: MetadataField): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of samples) {
    const v = fieldValue(s, field);
    if (typeof v === 'number' && Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo === Infinity ? null : [lo, hi];
}

/** Distinct values of a categorical field with counts, most frequent first, capped for the checkbox list. */
export function distinctValues(samples: SampleData[], field: MetadataField, cap = 50): { value: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const v = fieldValue(s, field);
    if (v === undefined) continue;
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    .slice(0, cap);
}

/** Counts of a categorical column's values over `indices`, most frequent first, capped for the checkbox list. */
export function countValues(column: unknown[] | undefined, indices: number[], cap = 50): { value: string; count: number }[] {
  const counts = new Map<string, number>();
  if (column !== undefined) {
    for (const i of indices) {
      const v = column[i];
      if (v === undefined) continue;
      const key = String(v);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    .slice(0, cap);
}

/** A histogram of a numeric column over `indices`: `bins` equal-width counts between `extent`'s ends. */
export function histogram(column: unknown[] | undefined, indices: number[], extent: [number, number], bins = 24): number[] {
  const out = new Array<number>(bins).fill(0);
  if (column === undefined) return out;
  const span = extent[1] - extent[0] || 1;
  for (const i of indices) {
    const v = column[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    out[Math.min(bins - 1, Math.max(0, Math.floor(((v - extent[0]) / span) * bins)))]++;
  }
  return out;
}
