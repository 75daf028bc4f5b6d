import { useEffect, useState } from 'react';
import type { Api } from '../api';
import { setParams } from '../router';
import './similar-samples.css';

type Neighbours = Awaited<ReturnType<Api['getSimilarSamples']>>['neighbours'];

/**
 * "Find similar" for the sample view: asks the dataset's nearest-neighbour index (the one the health check builds)
 * for the samples nearest this one; a click opens that sample in the same view (`sample=` in the URL).
 */
export function SimilarSamples({ api, datasetId, sampleId }: { api: Api; datasetId: string; sampleId: string }) {
  const [neighbours, setNeighbours] = useState<Neighbours | null>(null);
  const [state, setState] = useState<'idle' | 'loading' | 'error'>('idle');
  const [error, setError] = useState<string | null>(null);
  // Another sample: its own neighbours, asked for again.
  useEffect(() => {
    setNeighbours(null);
    setState('idle');
  }, [sampleId]);
  const find = async () => {
    setState('loading');
    try {
      setNeighbours((await api.getSimilarSamples(datasetId, sampleId, 12)).neighbours);
      setState('idle');
    } catch (e) {
      setError((e as Error).message);
      setState('error');
    }
  };
  return (
    <section aria-labelledby="similar-heading" className="similar-samples">
      <h3 id="similar-heading">Similar samples</h3>
      {neighbours === null && (
        <button type="button" className="secondary" disabled={state === 'loading'} onClick={() => void find()}>
          {state === 'loading' ? 'Finding…' : 'Find similar'}
        </button>
      )}
      {state === 'error' && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {neighbours !== null && neighbours.length === 0 && <p className="hint">No other sample in the index.</p>}
      {neighbours !== null && neighbours.length > 0 && (
        <ul className="similar" aria-label="Similar samples">
          {neighbours.map((n) => (
            <li key={n.sampleId}>
              <button type="button" onClick={() => setParams({ sample: n.sampleId }, { replace: true })} aria-label={`Open ${n.fileName}, similarity ${n.similarity.toFixed(3)}`}>
                <img src={api.sampleImageUrl(datasetId, n.sampleId, 'thumbnail')} alt="" />
                <span>{n.similarity.toFixed(3)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
