import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Api, DatasetData } from '../api';
import { CopyButton } from '../components/copy-button';
import { hideBroken } from '../components/virtual-grid';

/** The first sample's thumbnail, or an empty tile for an empty dataset. */
function DatasetThumb({ api, dataset }: { api: Api; dataset: DatasetData }) {
  const [sampleId, setSampleId] = useState<string | null>(null);
  useEffect(() => {
    if (dataset.nSamples === 0) return;
    api
      .getSamples(dataset.id, { pageSize: 1, pageOffset: 0 })
      .then((page) => setSampleId(page[0]?.id ?? null))
      .catch(() => setSampleId(null));
  }, [api, dataset.id, dataset.nSamples]);
  return (
    <span className="dataset-thumb">
      {sampleId !== null && <img src={api.sampleImageUrl(dataset.id, sampleId, 'thumbnail')} alt="" loading="lazy" onError={hideBroken} />}
    </span>
  );
}

export function DatasetsScreen({ api, onOpen }: { api: Api; onOpen: (id: string) => void }) {
  const [datasets, setDatasets] = useState<DatasetData[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [search, setSearch] = useState('');
  const [message, setMessage] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setDatasets(await api.getDatasets());
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api]);
  useEffect(() => void reload(), [reload]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api.createDataset(name.trim());
      setName('');
      await reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const remove = async (dataset: DatasetData) => {
    if (!window.confirm(`Delete dataset ${dataset.name} with its ${dataset.nSamples.toLocaleString()} samples, tags and embeddings? This cannot be undone.`)) return;
    setError(null);
    try {
      await api.deleteDataset(dataset.id);
      setMessage(`Deleted dataset ${dataset.name}.`);
      await reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const shown = datasets?.filter((d) => d.name.toLowerCase().includes(search.trim().toLowerCase()) || d.id === search.trim()) ?? null;

  return (
    <main className="page">
      <h1>Datasets</h1>
      {message !== null && <p role="status">{message}</p>}
      {datasets !== null && datasets.length > 0 && (
        <div className="field search-field">
          <label htmlFor="dataset-search">Search datasets</label>
          <input id="dataset-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name or Dataset ID" />
        </div>
      )}
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {datasets === null || shown === null ? (
        <p role="status">Loading…</p>
      ) : datasets.length === 0 ? (
        <p>No datasets yet. Create one below, or run <code>winnow demo</code>.</p>
      ) : shown.length === 0 ? (
        <p>No dataset matches “{search}”.</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Thumbnail</span>
              </th>
              <th scope="col">Name</th>
              <th scope="col">Samples</th>
              <th scope="col">Dataset ID</th>
              <th scope="col">Last modified</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => (
              <tr key={d.id}>
                <td>
                  <DatasetThumb api={api} dataset={d} />
                </td>
                <td>
                  <a
                    href={`#/datasets/${encodeURIComponent(d.id)}/explore`}
                    onClick={(e) => {
                      e.preventDefault();
                      onOpen(d.id);
                    }}
                  >
                    {d.name}
                  </a>
                </td>
                <td className="num">{d.nSamples.toLocaleString()}</td>
                <td>
                  <code className="dataset-id">{d.id}</code> <CopyButton text={d.id} label={`Copy the Dataset ID of ${d.name}`} />
                </td>
                <td>{new Date(d.lastModifiedAt).toLocaleString()}</td>
                <td>
                  <button type="button" className="small danger" onClick={() => void remove(d)} aria-label={`Delete dataset ${d.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={create} className="card inline">
        <h2>Create a dataset</h2>
        <label htmlFor="new-dataset">Name</label>
        <input id="new-dataset" value={name} onChange={(e) => setName(e.target.value)} minLength={3} maxLength={255} required />
        <button type="submit" disabled={name.trim().length < 3}>
          Create
        </button>
      </form>
    </main>
  );
}
