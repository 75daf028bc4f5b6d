import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Api, SampleQuery, SampleQueryResult } from './api';
import { indicesFromMask } from './bitmask';
import { isNumericField, type Filters, type MetadataField } from './dataset-data';

// Items (id, file name) fetched per request while scrolling: a screenful or two of thumbnails.
const PAGE = 200;
// Pages kept in memory; older ones are dropped, so scrolling through 100,000 samples keeps the heap bounded.
const KEPT_PAGES = 40;

/**
 * A field of the filter panel as the server names it: a configured metadata path gets `metadata:`; a path that already
 * names its source (`prediction:imagenet`, `score:/uncertainty_entropy`) is sent as it is.
 */
export const fieldIdOfPath = (path: string) => (/^[a-z]+:/.test(path) ? path : `metadata:${path}`);
export const fieldId = (field: MetadataField) => fieldIdOfPath(field.path);

export type QueryItem = SampleQueryResult['items'][number];

export interface ServerView {
  /** Sample indices (dataset order) that pass the tag, the filters and, when asked, the selection; null until known. */
  order: Int32Array | null;
  total: number | null;
  /** The item at a position of `order`, or undefined while its page loads (asking for it). */
  itemAt(position: number): QueryItem | undefined;
  /** Facet counts (under the other filters) and histograms of the current view. */
  facets: SampleQueryResult['facets'];
  histograms: SampleQueryResult['histograms'];
  /** Every value of each categorical field and the extent of each numeric one, over the whole dataset. */
  allValues: SampleQueryResult['facets'];
  extents: Record<string, [number, number] | null>;
  loading: boolean;
  error: string | null;
}

/** The filters of the panel, the tag, a name search and (only-selected) a bitmask, as the server's query body. */
export function queryBody(fields: MetadataField[], filters: Filters, tagId: string, within: string | null): SampleQuery {
  const defaults: Record<string, string | number | boolean> = {};
  for (const f of fields) if (f.defaultValue !== undefined && f.defaultValue !== null) defaults[fieldId(f)] = f.defaultValue as string | number | boolean;
  return {
    ...(tagId === '' ? {} : { tagId }),
    ...(within === null ? {} : { within }),
    filters: [
      ...Object.entries(filters.values).map(([path, values]) => ({ field: fieldIdOfPath(path), values })),
      ...Object.entries(filters.ranges).map(([path, range]) => ({ field: fieldIdOfPath(path), range })),
    ],
    defaults,
  };
}

/**
 * Explore's view of the dataset, answered by the server: which samples pass (as a bitmask, so "select all" and ←/→
 * need no further request), their counts, and the id and name of only the samples on screen, page by page.
 */
export function useServerView(api: Api, datasetId: string, fields: MetadataField[], body: SampleQuery): ServerView {
  const bodyKey = JSON.stringify(body);
  const categorical = useMemo(() => fields.filter((f) => !isNumericField(f) && f.valueDataType !== 'OTHER_STRING').map(fieldId), [fields]);
  const numeric = useMemo(() => fields.filter(isNumericField).map(fieldId), [fields]);
  const [stats, setStats] = useState<{ allValues: SampleQueryResult['facets']; extents: Record<string, [number, number] | null> } | null>(null);
  const [view, setView] = useState<{ key: string; body: SampleQuery; order: Int32Array; total: number; facets: SampleQueryResult['facets']; histograms: SampleQueryResult['histograms'] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, setVersion] = useState(0);
  const pages = useRef(new Map<string, Map<number, QueryItem[] | 'loading'>>());

  // Once per dataset and field list: every value and extent, unfiltered, so the panel lists values that the current
  // filters count as 0 and ranges keep their ends.
  const fieldsKey = JSON.stringify([categorical, numeric]);
  useEffect(() => {
    let live = true;
    const defaults = queryBody(fields, { ranges: {}, values: {} }, '', null).defaults;
    api
      .querySamples(datasetId, { facets: categorical, histograms: numeric.map((field) => ({ field, bins: 1 })), defaults, page: { size: 0 } })
      .then((r) => {
        if (!live) return;
        setStats({ allValues: r.facets, extents: Object.fromEntries(Object.entries(r.histograms).map(([k, h]) => [k, h.extent])) });
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
    // Keyed by the field list's text (a new array each render must not ask again).
  }, [api, datasetId, fieldsKey]);

  useEffect(() => {
    if (stats === null) return;
    let live = true;
    const histograms = numeric.flatMap((field) => {
      const extent = stats.extents[field];
      return extent ? [{ field, extent }] : [];
    });
    api
      .querySamples(datasetId, { ...body, facets: categorical, histograms, page: { size: PAGE }, members: true })
      .then((r) => {
        if (!live) return;
        setError(null);
        const cache = new Map<number, QueryItem[] | 'loading'>([[0, r.items]]);
        pages.current = new Map([[bodyKey, cache]]);
        setView({ key: bodyKey, body, order: Int32Array.from(indicesFromMask(r.members ?? '0x0')), total: r.total, facets: r.facets, histograms: r.histograms });
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
    // Keyed by the body's text.
  }, [api, datasetId, bodyKey, stats, categorical, numeric]);

  // The last answer stays on screen until the next one arrives (no blank grid between two filter clicks); its pages
  // are fetched with its own body, so positions always match the order shown.
  const current = view;
  const itemAt = useCallback(
    (position: number): QueryItem | undefined => {
      if (current === null) return undefined;
      const cache = pages.current.get(current.key);
      if (cache === undefined) return undefined;
      const page = Math.floor(position / PAGE);
      const got = cache.get(page);
      if (Array.isArray(got)) {
        // Touch: the most recently used pages stay.
        cache.delete(page);
        cache.set(page, got);
        return got[position - page * PAGE];
      }
      if (got === undefined) {
        cache.set(page, 'loading');
        api
          .querySamples(datasetId, { ...current.body, page: { offset: page * PAGE, size: PAGE } })
          .then((r) => {
            cache.set(page, r.items);
            while (cache.size > KEPT_PAGES) cache.delete(cache.keys().next().value as number);
            setVersion((v) => v + 1);
          })
          .catch(() => cache.delete(page));
      }
      return undefined;
    },
    [api, datasetId, current],
  );

  return {
    order: current?.order ?? null,
    total: current?.total ?? null,
    itemAt,
    facets: current?.facets ?? {},
    histograms: current?.histograms ?? {},
    allValues: stats?.allValues ?? {},
    extents: stats?.extents ?? {},
    loading: current?.key !== bodyKey && error === null,
    error,
  };
}
