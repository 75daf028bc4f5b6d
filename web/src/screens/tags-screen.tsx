import { useMemo, useState } from 'react';
import type { Api, TagData } from '../api';
import { bitmaskToMembers, countBits } from '../bitmask';
import { useAllSamples, type DatasetState } from '../dataset-data';
import { href, setParams } from '../router';
import { creatorInWords, isRunTag } from '../tag-edits';
import type { DatasetScreenProps } from './explore-screen';

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

/** A CSV field, quoted when it holds a comma, quote or line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function download(name: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

export function TagsScreen({ api, datasetId, data, route }: DatasetScreenProps) {
  useAllSamples(data);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [operation, setOperation] = useState<Operation>('UNION');
  const [newName, setNewName] = useState('');
  const byId = new Map(data.tags.map((t) => [t.id, t]));
  // Run tags (a sampling run's own result) are listed apart from the tags people made.
  const userTags = data.tags.filter((t) => !isRunTag(t));
  const runTags = data.tags.filter(isRunTag);

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
  const exportTag = (tag: TagData, format: 'txt' | 'csv' | 'json' | 'labelstudio') =>
    void run(async () => {
      if (format === 'labelstudio') {
        const tasks = await api.exportLabelStudioTasks(datasetId, tag.id);
        download(`${tag.name}.labelstudio.json`, JSON.stringify(tasks, null, 2), 'application/json');
        return `Exported ${tasks.length.toLocaleString()} Label Studio tasks of ${tag.name}.`;
      }
      if (format === 'txt') {
        const text = await api.exportTagFilenames(datasetId, tag.id);
        download(`${tag.name}.txt`, text.endsWith('\n') || text === '' ? text : `${text}\n`);
      } else {
        const members = bitmaskToMembers(tag.bitMaskData, data.samples.length);
        const rows = data.samples.filter((_, i) => members[i] === 1);
        download(
          `${tag.name}.${format}`,
          format === 'csv'
            ? ['fileName,sampleId,index', ...rows.map((r) => `${csvField(r.fileName)},${r.id},${r.index}`)].join('\n') + '\n'
            : JSON.stringify({ tag: tag.name, tagId: tag.id, datasetId, samples: rows.map((r) => ({ fileName: r.fileName, sampleId: r.id, index: r.index })) }, null, 2),
          format === 'csv' ? 'text/csv' : 'application/json',
        );
      }
      return `Exported ${countBits(tag.bitMaskData).toLocaleString()} samples of ${tag.name} as ${format === 'txt' ? 'file names' : format.toUpperCase()}.`;
    });
  const combine = () =>
    void run(async () => {
      // The server combines; the web app makes the tag, so it is recorded as made in the web app with its operands.
      const result = await api.tagArithmetics(datasetId, { tagId1: a, tagId2: b, operation });
      await api.createTag(datasetId, {
        name: newName.trim(),
        prevTagId: a,
        bitMaskData: result.bitMaskData,
        totSize: data.sampleCount,
        changes: { arithmetics: { operation, tag1: byId.get(a)?.name, tag2: byId.get(b)?.name } },
      });
      setNewName('');
      return `Created tag ${newName.trim()} with ${countBits(result.bitMaskData).toLocaleString()} samples.`;
    });

  const table = (tags: TagData[], label: string) => (
    <table className="list" aria-label={label}>
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
        {tags.map((t) => (
          <tr key={t.id} data-tag-name={t.name}>
            <th scope="row">
              <a href={href(['datasets', datasetId, 'explore'], new URLSearchParams({ tag: t.id }))} aria-label={`Show ${t.name} in Explore`}>
                {t.name}
              </a>
            </th>
            <td className="num">{countBits(t.bitMaskData).toLocaleString()}</td>
            <td className="lineage">{lineage(t, byId).join(' › ')}</td>
            <td>{creatorInWords(t)}</td>
            <td>{new Date(t.createdAt).toLocaleString()}</td>
            <td className="actions">
              <button type="button" className="small" onClick={() => exportTag(t, 'txt')} aria-label={`Export file names of ${t.name}`}>
                Names
              </button>
              <button type="button" className="small" onClick={() => exportTag(t, 'csv')} aria-label={`Export CSV of ${t.name}`}>
                CSV
              </button>
              <button type="button" className="small" onClick={() => exportTag(t, 'json')} aria-label={`Export JSON of ${t.name}`}>
                JSON
              </button>
              <button type="button" className="small" onClick={() => exportTag(t, 'labelstudio')} aria-label={`Export Label Studio tasks of ${t.name}`}>
                Label Studio
              </button>
              <button type="button" className="small danger" onClick={() => remove(t)} disabled={t.name === 'initial-tag'} aria-label={`Delete ${t.name}`}>
                Delete
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <div className="page">
      <h1>Tags</h1>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {message !== null && <p role="status">{message}</p>}
      {table(userTags, 'Tags')}
      <h2>Sampling runs</h2>
      {runTags.length === 0 ? <p className="hint">No sampling runs yet.</p> : table(runTags, 'Sampling run tags')}
      <CompareTags api={api} datasetId={datasetId} data={data} params={route.params} />
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

// Thumbnails shown per part of a comparison.
const COMPARE_THUMBS = 12;

/** Two tags side by side: how many are only in the first, in both, only in the second, with thumbnails of each. */
function CompareTags({ api, datasetId, data, params }: { api: Api; datasetId: string; data: DatasetState; params: URLSearchParams }) {
  const first = params.get('compare') ?? '';
  const second = params.get('with') ?? '';
  const parts = useMemo(() => {
    const ta = data.tags.find((t) => t.id === first);
    const tb = data.tags.find((t) => t.id === second);
    if (ta === undefined || tb === undefined) return null;
    const ma = bitmaskToMembers(ta.bitMaskData, data.samples.length);
    const mb = bitmaskToMembers(tb.bitMaskData, data.samples.length);
    const onlyA: number[] = [];
    const both: number[] = [];
    const onlyB: number[] = [];
    for (let i = 0; i < data.samples.length; i++) {
      if (ma[i] && mb[i]) both.push(i);
      else if (ma[i]) onlyA.push(i);
      else if (mb[i]) onlyB.push(i);
    }
    return [
      { label: `Only in ${ta.name}`, indices: onlyA },
      { label: 'In both', indices: both },
      { label: `Only in ${tb.name}`, indices: onlyB },
    ];
  }, [data.tags, data.samples.length, first, second]);
  const choose = (id: string, which: 'compare' | 'with') => setParams({ [which]: id === '' ? null : id });
  return (
    <section className="card compare" aria-labelledby="compare-title">
      <h2 id="compare-title">Compare tags</h2>
      <div className="compare-choosers">
        {(['compare', 'with'] as const).map((which) => (
          <div className="field" key={which}>
            <label htmlFor={`compare-${which}`}>{which === 'compare' ? 'Compare' : 'With'}</label>
            <select id={`compare-${which}`} value={which === 'compare' ? first : second} onChange={(e) => choose(e.target.value, which)}>
              <option value="">Choose…</option>
              {data.tags.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
        ))}
      </div>
      {parts !== null && (
        <div className="compare-parts">
          {parts.map((part, k) => (
            <div key={part.label} className="compare-part">
              <h3>
                {part.label}: <span data-testid={k === 1 ? 'overlap-count' : k === 0 ? 'only-first-count' : 'only-second-count'}>{part.indices.length.toLocaleString()}</span>
              </h3>
              <ul className="strip" aria-label={part.label}>
                {part.indices.slice(0, COMPARE_THUMBS).map((i) => (
                  <li key={i}>
                    <img className="strip-thumb" src={api.sampleImageUrl(datasetId, data.samples[i].id, 'thumbnail')} alt={data.samples[i].fileName} loading="lazy" />
                  </li>
                ))}
                {part.indices.length > COMPARE_THUMBS && <li className="hint">and {(part.indices.length - COMPARE_THUMBS).toLocaleString()} more</li>}
              </ul>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
