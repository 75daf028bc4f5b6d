import { useEffect, useRef, useState } from 'react';
import type { Api, JobStatusData, SelectionScore, TagData } from '../api';
import { TagChooser } from '../components/tag-chooser';
import { EmbeddingChooser, useEmbeddings } from '../components/use-embeddings';
import { hideBroken, VirtualGrid } from '../components/virtual-grid';
import { isNumericField, type DatasetState } from '../dataset-data';

type Strategy = 'CORESET' | 'RANDOM' | 'WEIGHTS';

// Longest wait between job polls; the server's waitTimeTillNextPoll is in whole seconds, too slow for a live bar.
const MAX_POLL_MS = 1000;
const PREVIEW_CELL = 104;

/**
 * Sampling as in the seed: choose embedding, strategy and parameters, name the run, Process (a selection job with a
 * progress bar), then a slider picks how many of the ranked samples to keep — live count and preview — and
 * "Create tag" saves them.
 */
export function SamplingScreen({ api, datasetId, data }: { api: Api; datasetId: string; data: DatasetState }) {
  const { embeddings, embeddingId, setEmbeddingId, error: listError } = useEmbeddings(api, datasetId);
  const numericFields = data.fields.filter(isNumericField);
  const [strategy, setStrategy] = useState<Strategy>('CORESET');
  const [nSamples, setNSamples] = useState(50);
  const [minDistance, setMinDistance] = useState('');
  const [weightKey, setWeightKey] = useState('');
  const [queryTagId, setQueryTagId] = useState('');
  const [runName, setRunName] = useState('');
  const [job, setJob] = useState<JobStatusData | null>(null);
  const [scores, setScores] = useState<SelectionScore[] | null>(null);
  const [n, setN] = useState(0);
  const [tagName, setTagName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<TagData | null>(null);
  const cancelled = useRef(false);

  useEffect(() => {
    cancelled.current = false;
    return () => {
      cancelled.current = true;
    };
  }, []);

  const process = async () => {
    setError(null);
    setScores(null);
    setCreated(null);
    setJob(null);
    const name = runName.trim();
    const key = weightKey || numericFields[0]?.path;
    try {
      const request =
        strategy === 'WEIGHTS'
          ? {
              newTagName: name,
              queryTagId: queryTagId || undefined,
              selection: { n: nSamples, strategies: [{ input: { type: 'METADATA', key }, strategy: { type: 'WEIGHTS' } }] },
            }
          : {
              newTagName: name,
              method: strategy,
              queryTagId: queryTagId || undefined,
              config: {
                stoppingCondition: {
                  nSamples,
                  ...(strategy === 'CORESET' && minDistance !== '' ? { minDistance: Number(minDistance) } : {}),
                },
              },
            };
      const { jobId } = await api.startSampling(datasetId, embeddingId, request);
      let status = await api.getJob(jobId);
      setJob(status);
      while (!cancelled.current && status.status !== 'FINISHED' && status.status !== 'FAILED') {
        await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_POLL_MS, Math.max(200, status.waitTimeTillNextPoll * 1000))));
        status = await api.getJob(jobId);
        setJob(status);
      }
      if (status.status === 'FAILED') {
        setError(`Selection failed: ${status.error ?? 'no reason given'}`);
        return;
      }
      const ranking = await api.getSelectionScores(jobId);
      setScores(ranking);
      const start = Math.min(nSamples, ranking.length);
      setN(start);
      setTagName(`${name}-${start}`);
      await data.reloadTags();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const createTag = async () => {
    if (job === null) return;
    setError(null);
    try {
      const tag = await api.createTagFromScores(datasetId, { jobId: job.id, name: tagName.trim(), n });
      setCreated(tag);
      await data.reloadTags();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const percent = job === null ? 0 : job.meta.total > 0 ? Math.round((job.meta.processed / job.meta.total) * 100) : job.status === 'FINISHED' ? 100 : 0;
  const running = job !== null && job.status !== 'FINISHED' && job.status !== 'FAILED';

  return (
    <div className="page sampling">
      <h1>Sampling</h1>
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          void process();
        }}
      >
        {embeddings !== null && <EmbeddingChooser embeddings={embeddings} value={embeddingId} onChange={setEmbeddingId} />}
        <div className="field">
          <label htmlFor="strategy">Strategy</label>
          <select id="strategy" value={strategy} onChange={(e) => setStrategy(e.target.value as Strategy)}>
            <option value="CORESET">Coreset (diversity)</option>
            <option value="RANDOM">Random</option>
            <option value="WEIGHTS" disabled={numericFields.length === 0}>
              Weights by metadata{numericFields.length === 0 ? ' (configure a numeric field first)' : ''}
            </option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="n-samples">Samples to select</label>
          <input id="n-samples" type="number" min={1} value={nSamples} onChange={(e) => setNSamples(Math.max(1, Number(e.target.value)))} />
        </div>
        {strategy === 'CORESET' && (
          <div className="field">
            <label htmlFor="min-distance">Minimum distance (optional)</label>
            <input id="min-distance" type="number" min={0} max={2} step="any" value={minDistance} onChange={(e) => setMinDistance(e.target.value)} />
          </div>
        )}
        {strategy === 'WEIGHTS' && (
          <div className="field">
            <label htmlFor="weight-key">Weight by</label>
            <select id="weight-key" value={weightKey || numericFields[0]?.path || ''} onChange={(e) => setWeightKey(e.target.value)}>
              {numericFields.map((f) => (
                <option key={f.path} value={f.path}>
                  {f.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <TagChooser tags={data.tags} value={queryTagId} onChange={setQueryTagId} label="Select from" allLabel="All samples" />
        <div className="field">
          <label htmlFor="run-name">Name</label>
          <input id="run-name" value={runName} onChange={(e) => setRunName(e.target.value)} minLength={3} required placeholder="e.g. coreset-batch-1" />
        </div>
        <button type="submit" disabled={running || embeddingId === '' || runName.trim().length < 3}>
          Process
        </button>
      </form>
      {(error ?? listError) !== null && (
        <p role="alert" className="error">
          {error ?? listError}
        </p>
      )}
      {job !== null && (
        <section aria-label="Selection job" className="job">
          <label htmlFor="job-progress">
            Job {job.status.toLowerCase()}: {job.meta.processed.toLocaleString()} / {job.meta.total.toLocaleString()}
          </label>
          <progress id="job-progress" max={100} value={percent}>
            {percent}%
          </progress>
        </section>
      )}
      {scores !== null && (
        <section aria-label="Choose how many to keep" className="slider-section">
          <div className="field slider-field">
            <label htmlFor="keep-n">Samples to keep</label>
            <input
              id="keep-n"
              type="range"
              min={1}
              max={scores.length}
              value={n}
              onChange={(e) => {
                const next = Number(e.target.value);
                setN(next);
                setTagName(`${runName.trim()}-${next}`);
              }}
            />
            <output htmlFor="keep-n" data-testid="keep-count" aria-live="polite">
              {n.toLocaleString()}
            </output>
            <span className="hint">of {scores.length.toLocaleString()} ranked</span>
          </div>
          <VirtualGrid
            count={n}
            cellSize={PREVIEW_CELL}
            label="Preview of the chosen samples"
            onOpen={() => undefined}
            renderCell={(position) => {
              const sample = data.samples[scores[position].index];
              return sample === undefined ? null : (
                <figure className="thumb small">
                  <img key={sample.id} src={api.sampleImageUrl(datasetId, sample.id, 'thumbnail')} alt={sample.fileName} loading="lazy" draggable={false} onError={hideBroken} />
                  <figcaption>#{position + 1}</figcaption>
                </figure>
              );
            }}
          />
          <form
            className="inline"
            onSubmit={(e) => {
              e.preventDefault();
              void createTag();
            }}
          >
            <label htmlFor="sampling-tag-name">Tag name</label>
            <input id="sampling-tag-name" value={tagName} onChange={(e) => setTagName(e.target.value)} minLength={3} required />
            <button type="submit" disabled={tagName.trim().length < 3 || n < 1}>
              Create tag
            </button>
          </form>
          {created !== null && (
            <p role="status">
              Created tag <strong>{created.name}</strong> with {n.toLocaleString()} samples. <a href={`#/datasets/${encodeURIComponent(datasetId)}/tags`}>Open Tags</a>
            </p>
          )}
        </section>
      )}
    </div>
  );
}
