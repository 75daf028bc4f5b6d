import { useCallback, useMemo, useState } from 'react';
import type { Api } from '../api';
import { bitmaskToMembers } from '../bitmask';
import { FilterPanel } from '../components/filters';
import { SampleView } from '../components/sample-view';
import { SelectionBar } from '../components/selection-bar';
import { TagChooser } from '../components/tag-chooser';
import { hideBroken, VirtualGrid } from '../components/virtual-grid';
import { applyFilters, fieldColumns, type DatasetState, type Filters } from '../dataset-data';
import { setParams, type Route } from '../router';
import type { Selection } from '../selection';
import { filtersFromParams, setFilterParams } from '../view-state';

// Thumbnail cell edge in CSS pixels: the size slider's range and default (6–10 columns on a laptop screen).
const SIZES = { min: 80, max: 320, initial: 132 };
const SIZE_KEY = 'winnow.gridSize';

export interface DatasetScreenProps {
  api: Api;
  datasetId: string;
  data: DatasetState;
  route: Route;
  selection: Selection;
}

/** The samples that pass the view's tag and filters, in dataset order: shared by Explore and the sample view. */
export function useVisible(data: DatasetState, params: URLSearchParams, selection?: Selection) {
  const onlySelected = params.get('only') === 'selected' && selection !== undefined;
  const tagId = params.get('tag') ?? '';
  const filtersKey = new URLSearchParams([...params].filter(([k]) => k.startsWith('r.') || k.startsWith('v.'))).toString();
  // Keyed by the filter parameters' text: a new URLSearchParams each render must not refilter 100,000 samples.
  const filters = useMemo(() => filtersFromParams(new URLSearchParams(filtersKey)), [filtersKey]);
  const { samples, fields, tags } = data;
  const members = useMemo(() => {
    const tag = tags.find((t) => t.id === tagId);
    return tag === undefined ? null : bitmaskToMembers(tag.bitMaskData, samples.length);
  }, [tags, tagId, samples.length]);
  const columns = useMemo(() => fieldColumns(samples, fields), [samples, fields]);
  const filtered = useMemo(() => applyFilters(samples.length, columns, filters, members), [samples.length, columns, filters, members]);
  const picked = onlySelected ? selection.set : null;
  const visible = useMemo(() => (picked === null ? filtered : filtered.filter((i) => picked.has(i))), [filtered, picked]);
  return { tagId, filters, filtersKey: `${filtersKey}|${onlySelected}`, members, columns, visible, onlySelected };
}

export function ExploreScreen({ api, datasetId, data, route, selection }: DatasetScreenProps) {
  const { tagId, filters, filtersKey, members, columns, visible, onlySelected } = useVisible(data, route.params, selection);
  const [size, setSize] = useState(() => Number(localStorage.getItem(SIZE_KEY)) || SIZES.initial);
  const [fullNames, setFullNames] = useState(false);
  const { samples, fields, tags } = data;
  const openId = route.params.get('sample');
  const openIndex = useMemo(() => (openId === null ? -1 : samples.findIndex((s) => s.id === openId)), [openId, samples]);
  const navigateSample = useCallback((index: number | null) => setParams({ sample: index === null ? null : samples[index].id }, { replace: index !== null && openId !== null }), [samples, openId]);
  const setFilters = (next: Filters) => setFilterParams(next);
  const allSelected = visible.length > 0 && visible.every((i) => selection.has(i));
  const configuratorHref = `#/datasets/${encodeURIComponent(datasetId)}/configurator`;

  return (
    <div className="explore">
      <aside className="sidebar" aria-label="Filters">
        <button type="button" className="skip-link" onClick={() => document.getElementById('sample-grid')?.focus()}>
          Skip to samples
        </button>
        <TagChooser tags={tags} value={tagId} onChange={(id) => setParams({ tag: id === '' ? null : id })} />
        <h2>Filters</h2>
        <FilterPanel samples={samples} fields={fields} columns={columns} members={members} filters={filters} onChange={setFilters} configuratorHref={configuratorHref} />
      </aside>
      <section className="grid-area" aria-label="Samples">
        <div className="grid-toolbar">
          <p className="result-count" role="status" aria-live="polite">
            Showing <strong data-testid="visible-count">{visible.length.toLocaleString()}</strong> of {samples.length.toLocaleString()} samples
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
        <SelectionBar api={api} datasetId={datasetId} data={data} selection={selection} />
        {samples.length === 0 && data.loadedAll ? (
          <EmptyDataset />
        ) : visible.length === 0 && data.loadedAll ? (
          <div className="empty-state">
            <p>No sample passes these filters{tagId !== '' ? ' in this tag' : ''}.</p>
            <button type="button" onClick={() => setParams({ tag: null, ...Object.fromEntries([...route.params.keys()].filter((k) => k.startsWith('r.') || k.startsWith('v.')).map((k) => [k, null])) })}>
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
            onOpen={(position) => navigateSample(visible[position])}
            onSelect={(position, gesture) => selection.click(visible, position, gesture)}
            isSelected={(position) => selection.has(visible[position])}
            renderCell={(position) => {
              const index = visible[position];
              const sample = samples[index];
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
                  <img key={sample.id} src={api.sampleImageUrl(datasetId, sample.id, 'thumbnail')} alt={sample.fileName} loading="lazy" decoding="async" draggable={false} onError={hideBroken} />
                  <figcaption title={sample.fileName}>{sample.fileName}</figcaption>
                </figure>
              );
            }}
          />
        )}
      </section>
      {openIndex >= 0 && <SampleView api={api} datasetId={datasetId} data={data} order={visible} index={openIndex} selection={selection} onNavigate={navigateSample} />}
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
