import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import type { Api, SampleData } from '../api';
import { indicesToBitmask } from '../bitmask';
import { FilterPanel } from '../components/filters';
import { usePredictionFields } from '../components/prediction-fields';
import { SelectionBar } from '../components/selection-bar';
import { TagChooser } from '../components/tag-chooser';
import { HeldImage, hideBroken, VirtualGrid } from '../components/virtual-grid';
import type { DatasetState, Filters } from '../dataset-data';
import { setParams, type Route } from '../router';
import { queryBody, useServerView } from '../sample-query';
import type { Selection } from '../selection';
import { filtersFromParams, setFilterParams } from '../view-state';

// The sample view (zoom, predictions, similar samples) loads when a sample is first opened, not with the grid.
const SampleView = lazy(() => import('../components/sample-view').then((m) => ({ default: m.SampleView })));

// Thumbnail cell edge in CSS pixels: the size slider's range and default (6–10 columns on a laptop screen).
const SIZES = { min: 80, max: 320, initial: 132 };
const SIZE_KEY = 'winnow.gridSize';
const NOTHING = new Int32Array(0);

export interface DatasetScreenProps {
  api: Api;
  datasetId: string;
  data: DatasetState;
  route: Route;
  selection: Selection;
}

/**
 * The view's tag, name search, filters and "only the selection" from the URL, answered by the server: Explore never
 * holds the whole dataset, only which samples pass (a bitmask) and the names of those on screen.
 */
export function useExploreView(api: Api, datasetId: string, data: DatasetState, params: URLSearchParams, selection: Selection) {
  const onlySelected = params.get('only') === 'selected';
  const tagId = params.get('tag') ?? '';
  const search = params.get('q') ?? '';
  const filtersKey = new URLSearchParams([...params].filter(([k]) => k.startsWith('r.') || k.startsWith('v.'))).toString();
  // Keyed by the filter parameters' text: a new URLSearchParams each render must not ask the server again.
  const filters = useMemo(() => filtersFromParams(new URLSearchParams(filtersKey)), [filtersKey]);
  const within = useMemo(() => (onlySelected ? indicesToBitmask(selection.set) : null), [onlySelected, selection.set]);
  // The configured metadata, then each prediction task's predicted class and confidence.
  const predictionFields = usePredictionFields(api, datasetId);
  const fields = useMemo(() => [...data.fields, ...predictionFields], [data.fields, predictionFields]);
  const body = useMemo(() => ({ ...queryBody(fields, filters, tagId, within), ...(search === '' ? {} : { search }) }), [fields, filters, tagId, within, search]);
  const view = useServerView(api, datasetId, fields, body);
  return { tagId, search, filters, filtersKey: `${filtersKey}|${onlySelected}|${search}`, view, visible: view.order ?? NOTHING, onlySelected, fields };
}

/** The sample the URL opens (`sample=<id>`), fetched on its own: Explore holds no sample list to look it up in. */
export function useOpenSample(api: Api, datasetId: string, openId: string | null) {
  const [sample, setSample] = useState<SampleData | null>(null);
  useEffect(() => {
    if (openId === null || sample?.id === openId) return;
    let live = true;
    api
      .getSample(datasetId, openId)
      .then((s) => live && setSample(s))
      .catch(() => live && setSample(null));
    return () => {
      live = false;
    };
  }, [api, datasetId, openId, sample]);
  /** Opens the sample at a dataset index (←/→ in the sample view), or closes with null. */
  const open = useCallback(
    (index: number | null) => {
      if (index === null) {
        setParams({ sample: null });
        return;
      }
      void api.getSamples(datasetId, { pageSize: 1, pageOffset: index }).then(([s]) => {
        if (s === undefined) return;
        setSample(s);
        setParams({ sample: s.id }, { replace: openId !== null });
      });
    },
    [api, datasetId, openId],
  );
  return { sample: openId !== null && sample?.id === openId ? sample : null, open };
}

export function ExploreScreen({ api, datasetId, data, route, selection }: DatasetScreenProps) {
  const { tagId, search, filters, filtersKey, view, visible, onlySelected, fields } = useExploreView(api, datasetId, data, route.params, selection);
  const [size, setSize] = useState(() => Number(localStorage.getItem(SIZE_KEY)) || SIZES.initial);
  const [fullNames, setFullNames] = useState(false);
  const { tags } = data;
  const opened = useOpenSample(api, datasetId, route.params.get('sample'));
  const setFilters = (next: Filters) => setFilterParams(next);
  const allSelected = visible.length > 0 && visible.every((i) => selection.has(i));
  const configuratorHref = `#/datasets/${encodeURIComponent(datasetId)}/configurator`;
  const ready = view.order !== null;

  return (
    <div className="explore">
      <aside className="sidebar" aria-label="Filters">
        <button type="button" className="skip-link" onClick={() => document.getElementById('sample-grid')?.focus()}>
          Skip to samples
        </button>
        <TagChooser tags={tags} value={tagId} onChange={(id) => setParams({ tag: id === '' ? null : id })} />
        <label className="block-label" htmlFor="name-search">
          File name contains
        </label>
        <input id="name-search" type="search" defaultValue={search} onChange={(e) => setParams({ q: e.target.value === '' ? null : e.target.value }, { replace: true })} />
        <h2>Filters</h2>
        <FilterPanel counts={view} fields={fields} filters={filters} onChange={setFilters} configuratorHref={configuratorHref} />
      </aside>
      <section className="grid-area" aria-label="Samples">
        <div className="grid-toolbar">
          <p className="result-count" role="status" aria-live="polite">
            Showing <strong data-testid="visible-count">{ready ? visible.length.toLocaleString() : '…'}</strong> of {data.sampleCount.toLocaleString()} samples
          </p>
          <button type="button" className="small" disabled={visible.length === 0 || allSelected} onClick={() => selection.add(visible)}>
            Select all {visible.length.toLocaleString()}
          </button>
          {onlySelected && (
            <button type="button" className="small secondary" onClick={() => setParams({ only: null })}>
              Showing only the selection — show all
            </button>
          )}
          <label className="inline-label">
            Thumbnail size
            <input
              type="range"
              min={SIZES.min}
              max={SIZES.max}
              step={4}
              value={size}
              onChange={(e) => {
                setSize(Number(e.target.value));
                localStorage.setItem(SIZE_KEY, e.target.value);
              }}
            />
          </label>
          <label className="inline-label">
            <input type="checkbox" checked={fullNames} onChange={(e) => setFullNames(e.target.checked)} /> Full names
          </label>
        </div>
        {view.error !== null && (
          <p role="alert" className="error">
            {view.error}
          </p>
        )}
        <SelectionBar api={api} datasetId={datasetId} data={data} selection={selection} />
        {data.dataset !== null && data.sampleCount === 0 ? (
          <EmptyDataset />
        ) : ready && visible.length === 0 ? (
          <div className="empty-state">
            <p>No sample passes these filters{tagId !== '' ? ' in this tag' : ''}.</p>
            <button type="button" onClick={() => setParams({ tag: null, q: null, ...Object.fromEntries([...route.params.keys()].filter((k) => k.startsWith('r.') || k.startsWith('v.')).map((k) => [k, null])) })}>
              Show all samples
            </button>
          </div>
        ) : (
          <VirtualGrid
            id="sample-grid"
            count={visible.length}
            cellSize={size + (fullNames ? 40 : 0)}
            label="Sample thumbnails"
            resetKey={`${tagId}|${filtersKey}`}
            onOpen={(position) => opened.open(visible[position])}
            onSelect={(position, gesture) => selection.click(visible, position, gesture)}
            isSelected={(position) => selection.has(visible[position])}
            renderCell={(position, scrolling) => {
              const index = visible[position];
              const item = view.itemAt(position);
              const picked = selection.has(index);
              return (
                <figure className={`thumb${picked ? ' picked' : ''}${fullNames ? ' full-names' : ''}`}>
                  <span
                    className="pick"
                    aria-hidden="true"
                    data-testid="pick"
                    onClick={(e) => {
                      e.stopPropagation();
                      selection.click(visible, position, { shift: e.shiftKey });
                    }}
                  >
                    {picked ? '✓' : ''}
                  </span>
                  {item !== undefined && (
                    <HeldImage key={item.id} hold={scrolling} src={api.sampleImageUrl(datasetId, item.id, 'thumbnail')} alt={item.fileName} decoding="async" draggable={false} onError={hideBroken} />
                  )}
                  <figcaption title={item?.fileName}>{item?.fileName ?? '…'}</figcaption>
                </figure>
              );
            }}
          />
        )}
      </section>
      {opened.sample !== null && (
        <Suspense fallback={null}>
          <SampleView api={api} datasetId={datasetId} data={data} order={visible} index={opened.sample.index} sample={opened.sample} selection={selection} onNavigate={opened.open} />
        </Suspense>
      )}
    </div>
  );
}

/** What to do when a dataset has no samples yet. */
export function EmptyDataset() {
  return (
    <div className="empty-state">
      <p>This dataset has no samples yet.</p>
      <p>
        Fill it from a folder or bucket with <code>winnow run --dataset &lt;name&gt; --input ./images</code> (or the n8n Winnow
        nodes), then reload this page.
      </p>
    </div>
  );
}
