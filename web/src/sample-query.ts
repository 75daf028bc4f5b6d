import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Api, SampleQuery, SampleQueryResult } from './api';
import { indicesFromMask, indicesToBitmask } from './bitmask';
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
  /** Whether the facets and histograms shown are still those of an earlier view (the panel's answer is on its way). */
  panelLoading: boolean;
  error: string | null;
}

/** Each field's default (the configuration's fallback for samples without a value), keyed as the server names fields. */
export function fieldDefaults(fields: MetadataField[]): Record<string, string | number | boolean> {
  const defaults: Record<string, string | number | boolean> = {};
  for (const f of fields) if (f.defaultValue !== undefined && f.defaultValue !== null) defaults[fieldId(f)] = f.defaultValue as string | number | boolean;
  return defaults;
}

/**
 * The filters of the panel, the tag, a name search and (only-selected) a bitmask, as the server's query body. Only the
 * filtered fields' defaults go along: the body (and so the grid's request) stays the same while the field list loads.
 */
export function queryBody(fields: MetadataField[], filters: Filters, tagId: string, within: string | null): SampleQuery {
  const filtered = new Set([...Object.keys(filters.values), ...Object.keys(filters.ranges)].map(fieldIdOfPath));
  const defaults = Object.fromEntries(Object.entries(fieldDefaults(fields)).filter(([field]) => filtered.has(field)));
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

/** Whether a body lets every sample through (no tag, selection, search or filter). */
const passesAll = (body: SampleQuery) => body.tagId === undefined && body.within === undefined && (body.search ?? '') === '' && (body.filters ?? []).length === 0;

type Panel = Pick<SampleQueryResult, 'facets' | 'histograms'>;

/**
 * Explore's view of the dataset, answered by the server in two requests at once: the grid's (which samples pass, as a
 * bitmask, so "select all" and ←/→ need no further request, and the first page of names) and the filter panel's
 * (facet counts and histograms). The grid paints as soon as its answer is in; the panel follows. Names of the samples
 * on screen are fetched page by page as the grid scrolls, by their indices (no filter is evaluated again).
 */
export function useServerView(api: Api, datasetId: string, fields: MetadataField[], body: SampleQuery): ServerView {
  const bodyKey = JSON.stringify(body);
  const categorical = useMemo(() => fields.filter((f) => !isNumericField(f) && f.valueDataType !== 'OTHER_STRING').map(fieldId), [fields]);
  const numeric = useMemo(() => fields.filter(isNumericField).map(fieldId), [fields]);
  const [stats, setStats] = useState<{ key: string; allValues: SampleQueryResult['facets']; extents: Record<string, [number, number] | null>; panel: Panel } | null>(null);
  const [grid, setGrid] = useState<{ key: string; body: SampleQuery; order: Int32Array; total: number } | null>(null);
  const [panel, setPanel] = useState<(Panel & { key: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, setVersion] = useState(0);
  const pages = useRef(new Map<string, Map<number, QueryItem[] | 'loading'>>());
  // Earlier panels' answers by field and the filters other than that field's own (a field's counts do not depend on
  // its own filter): ticking values of one field recounts only the other fields.
  const counted = useRef(new Map<string, Panel['facets'][string] | Panel['histograms'][string]>());

  // Once per dataset and field list: every value and extent, unfiltered, so the panel lists values that the current
  // filters count as 0 and ranges keep their ends. Its histograms (the server's default bins over the whole extent)
  // are also the panel of an unfiltered view.
  const fieldsKey = JSON.stringify([categorical, numeric, fieldDefaults(fields)]);
  // Only once the grid has its first answer: on SQLite a long count would hold up the first thumbnails.
  const gridAnswered = grid !== null;
  useEffect(() => {
    if (!gridAnswered) return;
    if (categorical.length + numeric.length === 0) {
      setStats({ key: fieldsKey, allValues: {}, extents: {}, panel: { facets: {}, histograms: {} } });
      return;
    }
    let live = true;
    api
      .querySamples(datasetId, { facets: categorical, histograms: numeric.map((field) => ({ field })), defaults: fieldDefaults(fields), page: { size: 0 } })
      .then((r) => {
        if (!live) return;
        const extents = Object.fromEntries(Object.entries(r.histograms).map(([k, h]) => [k, h.extent]));
        setStats({ key: fieldsKey, allValues: r.facets, extents, panel: { facets: r.facets, histograms: r.histograms } });
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
    // Keyed by the field list's text (a new array each render must not ask again).
  }, [api, datasetId, fieldsKey, gridAnswered]);

  // The grid: needs neither the field list nor the panel's counts, so it is asked for at once.
  useEffect(() => {
    let live = true;
    api
      .querySamples(datasetId, { ...body, page: { size: PAGE }, members: true })
      .then((r) => {
        if (!live) return;
        setError(null);
        pages.current = new Map([[bodyKey, new Map<number, QueryItem[] | 'loading'>([[0, r.items]])]]);
        setGrid({ key: bodyKey, body, order: Int32Array.from(indicesFromMask(r.members ?? '0x0')), total: r.total });
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
    // Keyed by the body's text.
  }, [api, datasetId, bodyKey]);

  // The panel: counts under the current filters, over the extents the unfiltered answer gave. Asked beside the
  // grid's question: the server counts a filtered view over the fields it holds in memory (a few ms at 100,000
  // samples), so the panel arrives with the count instead of a round trip after it. (When both were passes over the
  // value indexes, PostgreSQL shared its cores between them and the panel waited for the grid's answer.)
  const statsKey = stats?.key ?? null;
  useEffect(() => {
    if (stats === null) return;
    if (passesAll(body)) {
      setPanel({ key: `${bodyKey}|${stats.key}`, ...stats.panel });
      return;
    }
    let live = true;
    const memo = counted.current;
    // Every field's default goes with each panel question (below), so the body's own defaults need not be in the key.
    const keyOf = (field: string) => JSON.stringify([stats.key, field, { ...body, defaults: undefined, filters: (body.filters ?? []).filter((f) => f.field !== field) }]);
    const facets = categorical.filter((field) => !memo.has(keyOf(field)));
    const histograms = numeric.flatMap((field) => {
      const extent = stats.extents[field];
      return extent && !memo.has(keyOf(field)) ? [{ field, extent }] : [];
    });
    const show = () => {
      const known = (field: string) => (memo.has(keyOf(field)) ? [[field, memo.get(keyOf(field))]] : []);
      setPanel({
        key: `${bodyKey}|${stats.key}`,
        facets: Object.fromEntries(categorical.flatMap(known)) as Panel['facets'],
        histograms: Object.fromEntries(numeric.flatMap(known)) as Panel['histograms'],
      });
    };
    if (facets.length + histograms.length === 0) {
      show();
      return;
    }
    api
      .querySamples(datasetId, { ...body, defaults: { ...fieldDefaults(fields), ...body.defaults }, facets, histograms, page: { size: 0 } })
      .then((r) => {
        if (memo.size > 500) memo.clear();
        for (const [field, answer] of [...Object.entries(r.facets), ...Object.entries(r.histograms)]) memo.set(keyOf(field), answer);
        if (live) show();
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
    // Keyed by the body's and the field list's text.
  }, [api, datasetId, bodyKey, statsKey]);

  // The last answer stays on screen until the next one arrives (no blank grid between two filter clicks); its pages
  // are fetched by their samples' indices, so positions always match the order shown.
  const current = grid;
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
        // Every sample passes: the page is at its offset in dataset order. Otherwise: exactly these samples.
        const request: SampleQuery = passesAll(current.body)
          ? { page: { offset: page * PAGE, size: PAGE } }
          : { within: indicesToBitmask(current.order.subarray(page * PAGE, (page + 1) * PAGE)), page: { size: PAGE } };
        api
          .querySamples(datasetId, request)
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
    facets: panel?.facets ?? {},
    histograms: panel?.histograms ?? {},
    allValues: stats?.allValues ?? {},
    extents: stats?.extents ?? {},
    loading: current?.key !== bodyKey && error === null,
    panelLoading: (panel === null || panel.key !== `${bodyKey}|${statsKey}`) && error === null,
    error,
  };
}
