import { useState } from 'react';
import type { Api, TagData } from '../api';
import { countBits } from '../bitmask';
import type { DatasetState } from '../dataset-data';

type Operation = 'UNION' | 'INTERSECTION' | 'DIFFERENCE';

/** `initial-tag › coreset-run › coreset-run-10`: the chain of parents, oldest first. */
function lineage(tag: TagData, byId: Map<string, TagData>): string[] {
  const chain: string[] = [];
  const seen = new Set<string>();
  for (let t: TagData | undefined = tag; t !== undefined && !seen.has(t.id); t = t.prevTagId ? byId.get(t.prevTagId) : undefined) {
    seen.add(t.id);
    chain.unshift(t.name);
  }
  return chain;
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

export function TagsScreen({ api, datasetId, data }: { api: Api; datasetId: string; data: DatasetState }) {
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [operation, setOperation] = useState<Operation>('UNION');
  const [newName, setNewName] = useState('');
  const byId = new Map(data.tags.map((t) => [t.id, t]));

  const run = async (what: () => Promise<string>) => {
    setError(null);
    setMessage(null);
    try {
      setMessage(await what());
      await data.reloadTags();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const remove = (tag: TagData) => {
    if (!window.confirm(`Delete tag ${tag.name}? Its samples stay in the dataset.`)) return;
    void run(async () => {
      await api.deleteTag(datasetId, tag.id);
      return `Deleted tag ${tag.name}.`;
    });
  };
  const exportTag = (tag: TagData) =>
    void run(async () => {
      const text = await api.exportTagFilenames(datasetId, tag.id);
      download(`${tag.name}.txt`, text.endsWith('\n') || text === '' ? text : `${text}\n`);
      return `Exported ${countBits(tag.bitMaskData).toLocaleString()} file names of ${tag.name}.`;
    });
  const combine = () =>
    void run(async () => {
      const result = await api.tagArithmetics(datasetId, { tagId1: a, tagId2: b, operation, newTagName: newName.trim() });
      setNewName('');
      return `Created tag ${newName.trim()} with ${countBits(result.bitMaskData).toLocaleString()} samples.`;
    });

  return (
    <div className="page">
      <h1>Tags</h1>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {message !== null && <p role="status">{message}</p>}
      <table className="list" aria-label="Tags">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Samples</th>
            <th scope="col">Lineage</th>
            <th scope="col">Created by</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {data.tags.map((t) => (
            <tr key={t.id} data-tag-name={t.name}>
              <th scope="row">{t.name}</th>
              <td className="num">{countBits(t.bitMaskData).toLocaleString()}</td>
              <td className="lineage">{lineage(t, byId).join(' › ')}</td>
              <td>{t.creator}</td>
              <td>{new Date(t.createdAt).toLocaleString()}</td>
              <td className="actions">
                <button type="button" className="small" onClick={() => exportTag(t)} aria-label={`Export file names of ${t.name}`}>
                  Export
                </button>
                <button
                  type="button"
                  className="small danger"
                  onClick={() => remove(t)}
                  disabled={t.name === 'initial-tag'}
                  aria-label={`Delete ${t.name}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="card arithmetic"
        onSubmit={(e) => {
          e.preventDefault();
          combine();
        }}
      >
        <h2>Combine tags</h2>
        <div className="field">
          <label htmlFor="tag-a">First tag</label>
          <select id="tag-a" value={a} onChange={(e) => setA(e.target.value)} required>
            <option value="" disabled>
              Choose…
            </option>
            {data.tags.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="tag-op">Operation</label>
          <select id="tag-op" value={operation} onChange={(e) => setOperation(e.target.value as Operation)}>
            <option value="UNION">Union (in either)</option>
            <option value="INTERSECTION">Intersection (in both)</option>
            <option value="DIFFERENCE">Difference (in the first, not the second)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="tag-b">Second tag</label>
          <select id="tag-b" value={b} onChange={(e) => setB(e.target.value)} required>
            <option value="" disabled>
              Choose…
            </option>
            {data.tags.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="tag-new-name">New tag name</label>
          <input id="tag-new-name" value={newName} onChange={(e) => setNewName(e.target.value)} minLength={3} required />
        </div>
        <button type="submit" disabled={a === '' || b === '' || newName.trim().length < 3}>
          Create combined tag
        </button>
      </form>
    </div>
  );
}
