import { useCallback, useEffect, useState } from 'react';
import { ApiError, type Api, type Embedding2dData } from '../api';
import { setParams } from '../router';

export type ProjectionMethod = 'PCA' | 'UMAP';

export interface Projection {
  method: ProjectionMethod;
  coords: Embedding2dData | null;
  error: string | null;
  /** UMAP chosen but not computed for this embedding yet. */
  missing: boolean;
  /** Progress of the UMAP job, while one runs. */
  job: { processed: number; total: number } | null;
  compute: () => Promise<void>;
}

const POLL_MS = 1000;

/**
 * The map's 2-D coordinates in the projection the URL names (`proj=umap`, PCA by default). PCA exists from the upload
 * on; UMAP is computed on the server by a job (the browser only draws it), started here on request.
 */
export function useProjection(api: Api, datasetId: string, embeddingId: string, params: URLSearchParams): Projection {
  const method: ProjectionMethod = params.get('proj') === 'umap' ? 'UMAP' : 'PCA';
  const [coords, setCoords] = useState<Embedding2dData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [job, setJob] = useState<Projection['job']>(null);

  const load = useCallback(async () => {
    setCoords(null);
    setError(null);
    setMissing(false);
    try {
      setCoords(await api.getEmbedding2d(datasetId, embeddingId, method));
    } catch (e) {
      if (method === 'UMAP' && e instanceof ApiError && e.status === 404) setMissing(true);
      else setError((e as Error).message);
    }
  }, [api, datasetId, embeddingId, method]);
  useEffect(() => {
    if (embeddingId !== '') void load();
  }, [embeddingId, load]);

  useEffect(() => {
    if (jobId === null) return;
    const timer = setTimeout(() => {
      api
        .getJob(jobId)
        .then(async (status) => {
          if (status.status === 'FINISHED') {
            setJobId(null);
            setJob(null);
            await load();
          } else if (status.status === 'FAILED') {
            setJobId(null);
            setJob(null);
            setError(status.error ?? 'the UMAP job failed');
          } else setJob({ processed: status.meta.processed, total: status.meta.total });
        })
        .catch((e: Error) => setError(e.message));
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [api, jobId, job, load]);

  const compute = async () => {
    setError(null);
    try {
      setJob({ processed: 0, total: 0 });
      setJobId((await api.startUmap(datasetId, embeddingId)).jobId);
    } catch (e) {
      setJob(null);
      setError((e as Error).message);
    }
  };
  return { method, coords, error, missing, job, compute };
}

/** PCA / UMAP switch for the map, with "Compute UMAP" when the embedding has no UMAP map yet. */
export function ProjectionChooser({ projection }: { projection: Projection }) {
  const { method, missing, job, compute } = projection;
  return (
    <fieldset className="segmented">
      <legend>Projection</legend>
      <label>
        <input type="radio" name="projection" checked={method === 'PCA'} onChange={() => setParams({ proj: null, view: null })} /> PCA
      </label>
      <label>
        <input type="radio" name="projection" checked={method === 'UMAP'} onChange={() => setParams({ proj: 'umap', view: null })} /> UMAP
      </label>
      {method === 'UMAP' && missing && job === null && (
        <button type="button" className="small" onClick={() => void compute()}>
          Compute UMAP
        </button>
      )}
      {job !== null && (
        <span role="status" className="hint">
          Computing UMAP on the server… {job.total > 0 ? `${Math.round((job.processed / job.total) * 100)}%` : ''}
        </span>
      )}
    </fieldset>
  );
}
