import { useEffect, useRef, useState } from 'react';
import type { Api, SampleData } from '../api';
import { bitmaskToMembers } from '../bitmask';
import { fieldValue, type DatasetState } from '../dataset-data';
import type { Selection } from '../selection';
import { changeTagMembers, editableTags } from '../tag-edits';
import { SimilarSamples } from './similar-samples';
import { PredictionList, PredictionOverlay, useSamplePredictions } from './prediction-overlay';

/**
 * One sample over a dimmed page: ←/→ step through `order` (the screen's filtered order), Z toggles fit / actual
 * size, Escape closes. Tags are edited in place; metadata reads as a nested table with the raw JSON one click away.
 */
export function SampleView({
  api,
  datasetId,
  data,
  order,
  index,
  sample: loaded,
  selection,
  onNavigate,
}: {
  api: Api;
  datasetId: string;
  data: DatasetState;
  /** Sample indices in the order the screen shows them. */
  order: ArrayLike<number>;
  index: number;
  /** The sample at `index` when the screen fetched it itself (Explore holds no sample list). */
  sample?: SampleData;
  selection: Selection;
  /** Open another sample (by index), or close with null. */
  onNavigate: (index: number | null) => void;
}) {
  const sample: SampleData | undefined = loaded ?? data.samples[index];
  const closeRef = useRef<HTMLButtonElement>(null);
  const imageRef = useRef<HTMLImageElement>(null);
  const predictions = useSamplePredictions(api, datasetId, sample?.id);
  const [actualSize, setActualSize] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const position = Array.prototype.indexOf.call(order, index) as number;
  const prev = position > 0 ? order[position - 1] : null;
  const next = position >= 0 && position < order.length - 1 ? order[position + 1] : null;

  useEffect(() => {
    // Keyboard users land on Close, and go back to what opened the view when it closes.
    const opener = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => opener?.focus();
  }, []);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target !== null && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA') && e.key !== 'Escape') return;
      if (e.key === 'Escape') onNavigate(null);
      else if (e.key === 'ArrowRight' && next !== null) onNavigate(next);
      else if (e.key === 'ArrowLeft' && prev !== null) onNavigate(prev);
      else if (e.key === 'z' || e.key === 'Z') setActualSize((v) => !v);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onNavigate, next, prev]);
  // A ticked tag shows ticked at once, before the tag list comes back from the server.
  const [pending, setPending] = useState<Record<string, boolean>>({});
  useEffect(() => setMessage(null), [index]);
  useEffect(() => setPending({}), [index, data.tags]);

  if (sample === undefined) {
    return (
      <div className="backdrop">
        <div className="detail" role="dialog" aria-modal="true" aria-label="Sample">
          <p role="alert" className="error">
            This sample is not in the dataset (any more).
          </p>
          <button ref={closeRef} type="button" onClick={() => onNavigate(null)}>
            Close
          </button>
        </div>
      </div>
    );
  }
  const full = api.sampleImageUrl(datasetId, sample.id, 'full');
  const tags = editableTags(data.tags);
  const toggleTag = async (name: string, on: boolean) => {
    setPending((p) => ({ ...p, [name]: on }));
    try {
      setMessage(await changeTagMembers(api, datasetId, data.tags, data.sampleCount, name, [index], on ? 'add' : 'remove'));
      await data.reloadTags();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  return (
    <div className="backdrop" onClick={(e) => e.target === e.currentTarget && onNavigate(null)}>
      <div className="detail" role="dialog" aria-modal="true" aria-labelledby="detail-title">
        <div className="detail-head">
          <h2 id="detail-title">{sample.fileName}</h2>
          <span className="hint" data-testid="sample-position">
            {position >= 0 ? `${(position + 1).toLocaleString()} of ${order.length.toLocaleString()}` : 'not in the current filter'}
          </span>
          <button type="button" className="secondary" disabled={prev === null} onClick={() => prev !== null && onNavigate(prev)} aria-label="Previous sample" aria-keyshortcuts="ArrowLeft">
            ←
          </button>
          <button type="button" className="secondary" disabled={next === null} onClick={() => next !== null && onNavigate(next)} aria-label="Next sample" aria-keyshortcuts="ArrowRight">
            →
          </button>
          <button type="button" className="secondary" aria-pressed={actualSize} onClick={() => setActualSize((v) => !v)} aria-keyshortcuts="Z">
            {actualSize ? 'Fit' : 'Actual size'}
          </button>
          <a href={full} target="_blank" rel="noreferrer">
            Original
          </a>
          <button ref={closeRef} type="button" onClick={() => onNavigate(null)}>
            Close
          </button>
        </div>
        <div className={actualSize ? 'detail-image-wrap actual' : 'detail-image-wrap'}>
          <img ref={imageRef} className="detail-image" src={full} alt={sample.fileName} />
          <PredictionOverlay tasks={predictions} image={imageRef} />
        </div>
        <fieldset className="sample-tags">
          <legend>Tags</legend>
          <label className="check">
            <input type="checkbox" checked={selection.has(index)} onChange={() => selection.click([index], 0, {})} /> Selected
          </label>
          {tags.length === 0 && <span className="hint">No tags yet: select samples and name a tag in the selection bar.</span>}
          {tags.map((t) => (
            <label key={t.id} className="check">
              <input type="checkbox" checked={pending[t.name] ?? bitmaskToMembers(t.bitMaskData, index + 1)[index] === 1} onChange={(e) => void toggleTag(t.name, e.target.checked)} /> {t.name}
            </label>
          ))}
          {message !== null && <span role="status">{message}</span>}
        </fieldset>
        <PredictionList tasks={predictions} />
        <SimilarSamples api={api} datasetId={datasetId} sampleId={sample.id} />
        <dl className="props">
          <dt>Sample ID</dt>
          <dd>
            <code>{sample.id}</code>
          </dd>
          <dt>Index</dt>
          <dd>{sample.index}</dd>
          {data.fields.map((f) => (
            <FieldRow key={f.path} name={f.name} value={fieldValue(sample, f)} />
          ))}
        </dl>
        <h3>Custom metadata</h3>
        <NestedTable value={sample.customMetaData ?? {}} />
        <details>
          <summary>Raw JSON</summary>
          <pre className="json">{JSON.stringify({ metaData: sample.metaData ?? {}, customMetaData: sample.customMetaData ?? {} }, null, 2)}</pre>
        </details>
        <h3>Image metadata</h3>
        <NestedTable value={sample.metaData ?? {}} />
      </div>
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

/** Objects as nested key/value tables, arrays of scalars as comma lists: readable without reading JSON. */
export function NestedTable({ value }: { value: unknown }) {
  if (value === null || typeof value !== 'object') return <span>{value === undefined || value === null ? '—' : String(value)}</span>;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return <span className="hint">none</span>;
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) return <span>{value.map(String).join(', ')}</span>;
  return (
    <table className="nested">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>
              <NestedTable value={v} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
