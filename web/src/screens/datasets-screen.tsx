import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Api, DatasetData } from '../api';
import { CopyButton } from '../components/copy-button';

export function DatasetsScreen({ api, onOpen }: { api: Api; onOpen: (id: string) => void }) {
  const [datasets, setDatasets] = useState<DatasetData[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');

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

  return (
    <main className="page">
      <h1>Datasets</h1>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {datasets === null ? (
        <p role="status">Loading…</p>
      ) : datasets.length === 0 ? (
        <p>No datasets yet. Create one below, or run <code>winnow demo</code>.</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Samples</th>
              <th scope="col">Dataset ID</th>
              <th scope="col">Last modified</th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => (
              <tr key={d.id}>
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
