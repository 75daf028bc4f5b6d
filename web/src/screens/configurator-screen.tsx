import { useMemo, useState } from 'react';
import type { Api } from '../api';
import { CONFIGURATOR_SNAPSHOT, discoverPaths, type DatasetState, type MetadataField, useAllSamples } from '../dataset-data';

const TYPES: { value: MetadataField['valueDataType']; label: string }[] = [
  { value: 'NUMERIC_FLOAT', label: 'Number (decimal)' },
  { value: 'NUMERIC_INT', label: 'Number (integer)' },
  { value: 'CATEGORICAL_STRING', label: 'Category (text)' },
  { value: 'CATEGORICAL_INT', label: 'Category (integer)' },
  { value: 'CATEGORICAL_BOOLEAN', label: 'Yes / no' },
  { value: 'CATEGORICAL_DATETIME', label: 'Date and time' },
  { value: 'CATEGORICAL_TIMESTAMP', label: 'Timestamp' },
  { value: 'OTHER_STRING', label: 'Text (not filterable)' },
];

interface Draft {
  path: string;
  valueDataType: MetadataField['valueDataType'];
  name: string;
  fallback: string;
}

function parseFallback(draft: Draft): unknown {
  if (draft.fallback.trim() === '') return undefined;
  if (draft.valueDataType.startsWith('NUMERIC') || draft.valueDataType === 'CATEGORICAL_INT') return Number(draft.fallback);
  if (draft.valueDataType === 'CATEGORICAL_BOOLEAN') return draft.fallback.trim().toLowerCase() === 'true';
  return draft.fallback;
}

/**
 * The Configurator, in the seed's five steps: add an entry, pick a path from the discovered custom-metadata keys,
 * set its type, give it a display name and a fallback value, save.
 */
export function ConfiguratorScreen({ api, datasetId, data }: { api: Api; datasetId: string; data: DatasetState }) {
  useAllSamples(data);
  const discovered = useMemo(() => discoverPaths(data.samples), [data.samples]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const pick = (path: string) => {
    const found = discovered.find((d) => d.path === path);
    setDraft((d) => ({
      path,
      valueDataType: found?.suggested ?? 'OTHER_STRING',
      name: d?.name && d.name !== d.path ? d.name : path,
      fallback: d?.fallback ?? '',
    }));
  };
  const save = async () => {
    if (draft === null) return;
    setError(null);
    const fallback = parseFallback(draft);
    if (typeof fallback === 'number' && !Number.isFinite(fallback)) {
      setError('The fallback value must be a number for a numeric type.');
      return;
    }
    const entry: MetadataField = { name: draft.name.trim() || draft.path, path: draft.path, valueDataType: draft.valueDataType };
    if (fallback !== undefined) entry.defaultValue = fallback;
    try {
      const configs = [...data.fields.filter((f) => f.path !== entry.path), entry];
      await api.createMetadataConfiguration(datasetId, { name: CONFIGURATOR_SNAPSHOT, configs });
      await data.reloadFields();
      setSaved(`Saved ${entry.name}.`);
      setDraft(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const remove = async (field: MetadataField) => {
    if (!window.confirm(`Remove ${field.name} from the configuration? The samples keep their metadata.`)) return;
    setError(null);
    try {
      await api.createMetadataConfiguration(datasetId, { name: CONFIGURATOR_SNAPSHOT, configs: data.fields.filter((f) => f.path !== field.path) });
      await data.reloadFields();
      setSaved(`Removed ${field.name}.`);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const edit = (field: MetadataField) => {
    setSaved(null);
    setDraft({ path: field.path, valueDataType: field.valueDataType, name: field.name, fallback: field.defaultValue === undefined || field.defaultValue === null ? '' : String(field.defaultValue) });
  };

  return (
    <div className="page">
      <h1>Configurator</h1>
      <p className="hint">Configured fields appear as filters in Explore and as colours on the embedding map.</p>
      <table className="list" aria-label="Configured metadata">
        <thead>
          <tr>
            <th scope="col">Display name</th>
            <th scope="col">Path</th>
            <th scope="col">Type</th>
            <th scope="col">Fallback</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {data.fields.length === 0 ? (
            <tr>
              <td colSpan={5}>Nothing configured yet.</td>
            </tr>
          ) : (
            data.fields.map((f) => (
              <tr key={f.path}>
                <td>{f.name}</td>
                <td>
                  <code>{f.path}</code>
                </td>
                <td>{TYPES.find((t) => t.value === f.valueDataType)?.label ?? f.valueDataType}</td>
                <td>{f.defaultValue === undefined ? '—' : String(f.defaultValue)}</td>
                <td className="actions">
                  <button type="button" className="small" onClick={() => edit(f)} aria-label={`Edit ${f.name}`}>
                    Edit
                  </button>
                  <button type="button" className="small danger" onClick={() => void remove(f)} aria-label={`Remove ${f.name}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {saved !== null && draft === null && <p role="status">{saved}</p>}
      {error !== null && draft === null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {draft === null ? (
        <button
          type="button"
          onClick={() => {
            setSaved(null);
            setDraft({ path: '', valueDataType: 'OTHER_STRING', name: '', fallback: '' });
          }}
        >
          Add entry
        </button>
      ) : (
        <form
          className="card config-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <h2>{data.fields.some((f) => f.path === draft.path) ? `Edit ${draft.path}` : 'New entry'}</h2>
          <div className="field">
            <label htmlFor="cfg-path">Path</label>
            <select id="cfg-path" value={draft.path} onChange={(e) => pick(e.target.value)} required>
              <option value="" disabled>
                {discovered.length === 0 ? 'No custom metadata found' : 'Choose a key…'}
              </option>
              {discovered.map((d) => (
                <option key={d.path} value={d.path}>
                  {d.path} (e.g. {String(d.example)})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="cfg-type">Type</label>
            <select id="cfg-type" value={draft.valueDataType} onChange={(e) => setDraft({ ...draft, valueDataType: e.target.value as Draft['valueDataType'] })}>
              {TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="cfg-name">Display name</label>
            <input id="cfg-name" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required />
          </div>
          <div className="field">
            <label htmlFor="cfg-fallback">Fallback value</label>
            <input id="cfg-fallback" value={draft.fallback} onChange={(e) => setDraft({ ...draft, fallback: e.target.value })} placeholder="used when a sample has no value" />
          </div>
          {error !== null && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="submit" disabled={draft.path === ''}>
              Save
            </button>
            <button type="button" className="secondary" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
