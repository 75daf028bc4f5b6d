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
  /** How many samples the dataset has (known before any is loaded). */
  sampleCount: number;
  /**
   * Samples in dataset order (index k = bit k of every tag), filled page by page — only once a screen that needs them
   * all (the map, Sampling, Tags, the Configurator) calls `requireAllSamples`; Explore asks the server instead.
   */
  samples: SampleData[];
  loadedAll: boolean;
  /** Whether a screen asked for every sample (so `samples` is filling or full). */
  allRequested: boolean;
  requireAllSamples: () => void;
  tags: TagData[];
  fields: MetadataField[];
  error: string | null;
  reloadTags: () => Promise<void>;
  reloadFields: () => Promise<void>;
  reloadDataset: () => Promise<void>;
}

/** Loads a dataset, its tags and configured metadata fields; all its samples (paged) when a screen asks for them. */
export function useDataset(api: Api, datasetId: string): DatasetState {
  const [dataset, setDataset] = useState<DatasetData | null>(null);
  const [samples, setSamples] = useState<SampleData[]>([]);
  const [loadedAll, setLoadedAll] = useState(false);
  const [wantAll, setWantAll] = useState(false);
  const requireAllSamples = useCallback(() => setWantAll(true), []);
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
      // Three requests at once (the screens need the fields and tags as early as the dataset); the dataset's own
      // error is the one shown (an unknown id fails all three).
      const [ds, ...rest] = await Promise.allSettled([api.getDataset(datasetId), reloadTags(), reloadFields()]);
      if (ds.status === 'fulfilled') setDataset(ds.value);
      for (const settled of [ds, ...rest]) if (settled.status === 'rejected') throw settled.reason;
      if (!wantAll) return;
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
  }, [api, datasetId, reloadTags, reloadFields, wantAll]);

  useEffect(() => {
    setSamples([]);
    void reloadDataset();
  }, [reloadDataset]);

  const sampleCount = dataset?.id === datasetId ? dataset.nSamples : 0;
  return { dataset, sampleCount, samples, loadedAll, allRequested: wantAll, requireAllSamples, tags, fields, error, reloadTags, reloadFields, reloadDataset };
}

/** For screens that need every sample in the page (the map joins points by name, Tags exports and compares). */
export function useAllSamples(data: DatasetState): void {
  const { requireAllSamples } = data;
  useEffect(requireAllSamples, [requireAllSamples]);
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
