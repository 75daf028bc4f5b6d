import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Api, SampleData } from '../api';
import { bitmaskToMembers } from '../bitmask';
import { FilterPanel } from '../components/filters';
import { TagChooser } from '../components/tag-chooser';
import { hideBroken, VirtualGrid } from '../components/virtual-grid';
import { applyFilters, fieldColumns, fieldValue, NO_FILTERS, type DatasetState, type Filters } from '../dataset-data';

// Thumbnail cell edge in CSS pixels: 6–10 columns on a laptop screen.
const CELL = 132;

export function ExploreScreen({ api, datasetId, data }: { api: Api; datasetId: string; data: DatasetState }) {
  const [tagId, setTagId] = useState('');
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [detail, setDetail] = useState<SampleData | null>(null);
  const { samples, fields, tags } = data;
  // Stable, so the detail panel's focus effect runs once per opening, not on every render while samples load.
  const closeDetail = useCallback(() => setDetail(null), []);

  const members = useMemo(() => {
    const tag = tags.find((t) => t.id === tagId);
    return tag === undefined ? null : bitmaskToMembers(tag.bitMaskData, samples.length);
  }, [tags, tagId, samples.length]);
  const columns = useMemo(() => fieldColumns(samples, fields), [samples, fields]);
  const visible = useMemo(() => applyFilters(samples.length, columns, filters, members), [samples.length, columns, filters, members]);

  return (
    <div className="explore">
      <aside className="sidebar" aria-label="Filters">
        <TagChooser tags={tags} value={tagId} onChange={setTagId} />
        <h2>Filters</h2>
        <FilterPanel samples={samples} fields={fields} filters={filters} onChange={setFilters} />
      </aside>
      <section className="grid-area" aria-label="Samples">
        <p className="result-count" role="status" aria-live="polite">
          Showing <strong data-testid="visible-count">{visible.length.toLocaleString()}</strong> of {samples.length.toLocaleString()} samples
        </p>
        <VirtualGrid
          count={visible.length}
          cellSize={CELL}
          label="Sample thumbnails"
          onOpen={(position) => setDetail(samples[visible[position]])}
          renderCell={(position) => {
            const sample = samples[visible[position]];
            return (
              <figure className="thumb">
                <img key={sample.id} src={api.sampleImageUrl(datasetId, sample.id, 'thumbnail')} alt={sample.fileName} loading="lazy" decoding="async" draggable={false} onError={hideBroken} />
                <figcaption title={sample.fileName}>{sample.fileName}</figcaption>
              </figure>
            );
          }}
        />
      </section>
      {detail !== null && <SampleDetail api={api} datasetId={datasetId} data={data} sample={detail} onClose={closeDetail} />}
    </div>
  );
}

function SampleDetail({ api, datasetId, data, sample, onClose }: { api: Api; datasetId: string; data: DatasetState; sample: SampleData; onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // Keyboard users land on Close, and go back to the thumbnail they opened when the panel closes.
    const opener = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    const onKey = (e: globalThis.KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      opener?.focus();
    };
  }, [onClose]);
  const inTags = data.tags.filter((t) => bitmaskToMembers(t.bitMaskData, sample.index + 1)[sample.index] === 1);
  return (
    <div className="detail" role="dialog" aria-modal="true" aria-labelledby="detail-title">
      <div className="detail-head">
        <h2 id="detail-title">{sample.fileName}</h2>
        <button ref={closeRef} type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <img className="detail-image" src={api.sampleImageUrl(datasetId, sample.id, 'full')} alt={sample.fileName} />
      <dl className="props">
        <dt>Sample ID</dt>
        <dd>
          <code>{sample.id}</code>
        </dd>
        <dt>Index</dt>
        <dd>{sample.index}</dd>
        <dt>Tags</dt>
        <dd>{inTags.map((t) => t.name).join(', ') || '—'}</dd>
        {data.fields.map((f) => (
          <FieldRow key={f.path} name={f.name} value={fieldValue(sample, f)} />
        ))}
      </dl>
      <h3>Metadata</h3>
      <pre className="json">{JSON.stringify(sample.metaData ?? {}, null, 2)}</pre>
      <h3>Custom metadata</h3>
      <pre className="json">{JSON.stringify(sample.customMetaData ?? {}, null, 2)}</pre>
    </div>
  );
}

function FieldRow({ name, value }: { name: string; value: unknown }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value === undefined ? '—' : String(value)}</dd>
    </>
  );
}
