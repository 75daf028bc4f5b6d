import { useEffect, useMemo, useRef, useState } from 'react';
import type { JobStatusData, SamplingRun, SelectionScore } from '../api';
import { countBits, indicesToBitmask } from '../bitmask';
import { SampleView } from '../components/sample-view';
import { SelectionBar } from '../components/selection-bar';
import { TagChooser } from '../components/tag-chooser';
import { EmbeddingChooser, useEmbeddings } from '../components/use-embeddings';
import { hideBroken, VirtualGrid } from '../components/virtual-grid';
import { isNumericField, useAllSamples } from '../dataset-data';
import { href, setParams } from '../router';
import { creatorInWords, isRunTag } from '../tag-edits';
import type { DatasetScreenProps } from './explore-screen';
import { DEFAULT_STRATEGY, STRATEGY_DESCRIPTIONS, STRATEGY_SHORTHANDS, type StrategyShorthand } from '../../../src/select/selection-config';

// Longest wait between job polls; the server's waitTimeTillNextPoll is in whole seconds, too slow for a live bar.
const MAX_POLL_MS = 1000;
const PREVIEW_CELL = 104;

// What each strategy needs besides embeddings: a numeric field, a categorical field, or a query tag.
const NEEDS: Partial<Record<StrategyShorthand, 'numeric' | 'category' | 'query' | 'scores'>> = {
  weights: 'numeric',
  balance: 'category',
  similarity: 'query',
  coral: 'scores',
};
// `diversity` is `coreset` under Lightly's name: offering both would be one choice twice.
const OFFERED = STRATEGY_SHORTHANDS.filter((s) => s !== 'diversity');

/**
 * Sampling: choose embedding, strategy (each with its one-line explanation) and how many, Process (a selection job
 * with a progress bar); then a slider picks how many of the ranked samples to keep, with a preview whose thumbnails
 * open and select like Explore's, and "Create tag" saves them as a tag whose parent is the run. Past runs are listed
 * and reopen (`run=<jobId>` in the URL).
 */
export function SamplingScreen({ api, datasetId, data, route, selection }: DatasetScreenProps) {
  useAllSamples(data);
  const { embeddings, embeddingId, setEmbeddingId, error: listError } = useEmbeddings(api, datasetId);
  const numericFields = data.fields.filter(isNumericField);
  const categoryFields = data.fields.filter((f) => f.valueDataType === 'CATEGORICAL_STRING' || f.valueDataType === 'CATEGORICAL_BOOLEAN' || f.valueDataType === 'CATEGORICAL_INT');
  const [strategy, setStrategy] = useState<StrategyShorthand>(DEFAULT_STRATEGY);
  const [nSamples, setNSamples] = useState(50);
  const [minDistance, setMinDistance] = useState('');
  const [key, setKey] = useState('');
  const [queryTagId, setQueryTagId] = useState('');
  const [similarTo, setSimilarTo] = useState('');
  const [runName, setRunName] = useState('');
  const [job, setJob] = useState<JobStatusData | null>(null);
  const [scores, setScores] = useState<SelectionScore[] | null>(null);
  const [n, setN] = useState(0);
  const [tagName, setTagName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [created, setCreated] = useState<{ id: string; name: string; n: number } | null>(null);
  const cancelled = useRef(false);
  const runId = route.params.get('run');
  const runs = useMemo(() => data.tags.filter(isRunTag).sort((a, b) => b.createdAt - a.createdAt), [data.tags]);
  const runTag = runs.find((t) => t.runId === runId);
  // The runs with what they were asked (strategy, parameters) and what came of it; reloaded as runs finish.
  const [runList, setRunList] = useState<SamplingRun[] | null>(null);
  useEffect(() => {
    let live = true;
    api.getSamplingRuns(datasetId).then(
      (list) => live && setRunList(list),
      () => live && setRunList(null),
    );
    return () => {
      live = false;
    };
  }, [api, datasetId, data.tags, job?.status]);
  const poolSize = queryTagId === '' ? data.sampleCount : countBits(data.tags.find((t) => t.id === queryTagId)?.bitMaskData ?? '0x0');

  useEffect(() => {
    cancelled.current = false;
    return () => {
      cancelled.current = true;
    };
  }, []);

  // A run in the URL (just started, or reopened from the list): follow the job, then load its ranking.
  useEffect(() => {
    if (runId === null) {
      setJob(null);
      setScores(null);
      return;
    }
    let stop = false;
    setScores(null);
    setCreated(null);
    void (async () => {
      try {
        let status = await api.getJob(runId);
        setJob(status);
        while (!stop && !cancelled.current && status.status !== 'FINISHED' && status.status !== 'FAILED') {
          await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_POLL_MS, Math.max(200, status.waitTimeTillNextPoll * 1000))));
          status = await api.getJob(runId);
          setJob(status);
        }
        if (stop) return;
        if (status.status === 'FAILED') {
          setError(`Selection failed: ${status.error ?? 'no reason given'}`);
          return;
        }
        const ranking = await api.getSelectionScores(runId);
        // The slider starts at what the run selected (its tag's size); a run may rank more than it selects.
        const tags = await api.getTags(datasetId);
        const result = tags.find((t) => t.id === status.result?.data) ?? tags.find((t) => t.runId === runId);
        if (stop) return;
        const start = Math.min(ranking.length, result === undefined ? ranking.length : countBits(result.bitMaskData)) || ranking.length;
        setScores(ranking);
        setN(start);
        setTagName(`${result?.name ?? 'run'}-${start}`);
        await data.reloadTags();
      } catch (e) {
        if (!stop) setError((e as Error).message);
      }
    })();
    return () => {
      stop = true;
    };
    // data.reloadTags is left out on purpose: it changes with every tag load, and the run must not be fetched again.
  }, [api, datasetId, runId]);

  const runLabel = runTag?.name ?? runName.trim();

  const request = async () => {
    const count = Math.min(nSamples, poolSize);
    const base = { newTagName: runName.trim(), queryTagId: queryTagId || undefined };
    if (strategy === 'coreset') {
      return { ...base, method: 'CORESET' as const, config: { stoppingCondition: { nSamples: count, ...(minDistance !== '' ? { minDistance: Number(minDistance) } : {}) } } };
    }
    if (strategy === 'random') return { ...base, method: 'RANDOM' as const, config: { stoppingCondition: { nSamples: count } } };
    if (strategy === 'weights') {
      const field = key || numericFields[0]?.path;
      return { ...base, selection: { n: count, strategies: [{ input: { type: 'METADATA', key: field }, strategy: { type: 'WEIGHTS' } }] } };
    }
    if (strategy === 'balance') return { ...base, selection: { n: count, strategy, key: key || categoryFields[0]?.path } };
    if (strategy === 'similarity') {
      const names = (await api.exportTagFilenames(datasetId, similarTo)).split('\n').filter((line) => line !== '');
      return { ...base, selection: { n: count, strategy, queryFileNames: names } };
    }
    return { ...base, selection: { n: count, strategy } };
  };

  const process = async () => {
    setError(null);
    setNotice(null);
    setCreated(null);
    if (nSamples > poolSize) {
      setNotice(`There are only ${poolSize.toLocaleString()} samples to choose from, so the run selects all ${poolSize.toLocaleString()}.`);
      setNSamples(poolSize);
    }
    try {
      const { jobId } = await api.startSampling(datasetId, embeddingId, (await request()) as Parameters<typeof api.startSampling>[2]);
      setParams({ run: jobId, sample: null });
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const createTag = async () => {
    if (scores === null) return;
    setError(null);
    try {
      const name = tagName.trim();
      const kept = scores.slice(0, n).map((s) => s.index);
      // The run's own tag is the parent: the tag list shows which run a slider tag came from.
      const { id } = await api.createTag(datasetId, {
        name,
        prevTagId: runTag?.id,
        bitMaskData: indicesToBitmask(kept),
        totSize: data.sampleCount,
        changes: { sampler: { run: runId, kept: n, ranked: scores.length } },
      });
      await data.reloadTags();
      setCreated({ id, name, n });
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const ranked = scores ?? [];
  const previewOrder = useMemo(() => ranked.slice(0, n).map((s) => s.index), [ranked, n]);
  const openId = route.params.get('sample');
  const openIndex = openId === null ? -1 : data.samples.findIndex((s) => s.id === openId);
  const percent = job === null ? 0 : job.meta.total > 0 ? Math.round((job.meta.processed / job.meta.total) * 100) : job.status === 'FINISHED' ? 100 : 0;
  const running = job !== null && job.status !== 'FINISHED' && job.status !== 'FAILED';
  const needs = NEEDS[strategy];
  const unavailable = (s: StrategyShorthand) =>
    NEEDS[s] === 'numeric' ? numericFields.length === 0 : NEEDS[s] === 'category' ? categoryFields.length === 0 : NEEDS[s] === 'query' ? data.tags.length < 2 : NEEDS[s] === 'scores';

  return (
    <div className="page sampling">
      <h1>Sampling</h1>
      <div className="sampling-layout">
        <form
          className="card"
          aria-label="New sampling run"
          onSubmit={(e) => {
            e.preventDefault();
            void process();
          }}
        >
          {embeddings !== null && <EmbeddingChooser embeddings={embeddings} value={embeddingId} onChange={setEmbeddingId} />}
          <div className="field">
            <label htmlFor="strategy">Strategy</label>
            <select id="strategy" value={strategy} aria-describedby="strategy-help" onChange={(e) => setStrategy(e.target.value as StrategyShorthand)}>
              {OFFERED.map((s) => (
                <option key={s} value={s} disabled={unavailable(s)}>
                  {s}
                  {s === DEFAULT_STRATEGY ? ' (default)' : ''}
                  {unavailable(s) ? (NEEDS[s] === 'scores' ? ' — needs uploaded scores (API)' : ' — needs a field or tag first') : ''}
                </option>
              ))}
            </select>
            <p className="hint" id="strategy-help">
              {STRATEGY_DESCRIPTIONS[strategy]}
            </p>
          </div>
          <div className="field">
            <label htmlFor="n-samples">Samples to select</label>
            <input id="n-samples" type="number" min={1} max={Math.max(1, poolSize)} value={nSamples} onChange={(e) => setNSamples(Math.max(1, Number(e.target.value)))} />
            {nSamples > poolSize && poolSize > 0 && <p className="hint">Only {poolSize.toLocaleString()} samples to choose from: the run will select all of them.</p>}
          </div>
          {strategy === 'coreset' && (
            <div className="field">
              <label htmlFor="min-distance">Minimum distance (optional)</label>
              <input id="min-distance" type="number" min={0} max={2} step="any" value={minDistance} onChange={(e) => setMinDistance(e.target.value)} />
            </div>
          )}
          {(needs === 'numeric' || needs === 'category') && (
            <div className="field">
              <label htmlFor="weight-key">{needs === 'numeric' ? 'Weight by' : 'Balance by'}</label>
              <select id="weight-key" value={key || (needs === 'numeric' ? numericFields : categoryFields)[0]?.path || ''} onChange={(e) => setKey(e.target.value)}>
                {(needs === 'numeric' ? numericFields : categoryFields).map((f) => (
                  <option key={f.path} value={f.path}>
                    {f.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          {needs === 'query' && <TagChooser tags={data.tags} value={similarTo} onChange={setSimilarTo} label="Similar to" allLabel="Choose a tag" />}
          <TagChooser tags={data.tags} value={queryTagId} onChange={setQueryTagId} label="Select from" allLabel="All samples" />
          <div className="field">
            <label htmlFor="run-name">Name</label>
            <input id="run-name" value={runName} onChange={(e) => setRunName(e.target.value)} minLength={3} required placeholder="e.g. coreset-batch-1" />
          </div>
          <button type="submit" disabled={running || embeddingId === '' || runName.trim().length < 3 || poolSize === 0 || (needs === 'query' && similarTo === '')}>
            Process
          </button>
        </form>
        <section className="card runs" aria-labelledby="runs-title">
          <h2 id="runs-title">Runs</h2>
          {runList !== null && runList.length > 0 ? (
            <ul className="run-list">
              {runList.map((r) => (
                <li key={r.jobId} aria-current={r.jobId === runId ? 'true' : undefined}>
                  <a href={href(['datasets', datasetId, 'sampling'], new URLSearchParams({ run: r.jobId }))} aria-label={`Open run ${r.tagName ?? r.jobId}`}>
                    {r.tagName ?? r.jobId}
                  </a>{' '}
                  <span className="hint" data-testid="run-summary">
                    {runSummary(r, data.tags)}
                  </span>
                </li>
              ))}
            </ul>
          ) : runs.length === 0 ? (
            <p className="hint">No runs yet: choose a strategy and press Process.</p>
          ) : (
            <ul className="run-list">
              {runs.map((t) => (
                <li key={t.id} aria-current={t.runId === runId ? 'true' : undefined}>
                  <a href={href(['datasets', datasetId, 'sampling'], new URLSearchParams({ run: t.runId ?? '' }))} aria-label={`Open run ${t.name}`}>
                    {t.name}
                  </a>{' '}
                  <span className="hint">
                    {creatorInWords(t)}, {countBits(t.bitMaskData).toLocaleString()} selected, {new Date(t.createdAt).toLocaleString()}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {notice !== null && (
        <p role="status" className="notice card">
          {notice}
        </p>
      )}
      {(error ?? listError) !== null && (
        <p role="alert" className="error">
          {error ?? listError}
        </p>
      )}
      {job !== null && (
        <section aria-label="Selection job" className="job">
          <label htmlFor="job-progress">
            {runTag?.name ?? 'Run'}: {job.status === 'FINISHED' ? `finished, ${ranked.length.toLocaleString()} samples ranked` : `${job.status.toLowerCase()}…`}
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
                setTagName(`${runLabel}-${next}`);
              }}
            />
            <output htmlFor="keep-n" data-testid="keep-count" aria-live="polite">
              {n.toLocaleString()}
            </output>
            <span className="hint">of {scores.length.toLocaleString()} ranked</span>
            <button type="button" className="small" onClick={() => selection.add(previewOrder)}>
              Select these {n.toLocaleString()}
            </button>
          </div>
          <SelectionBar api={api} datasetId={datasetId} data={data} selection={selection} />
          <VirtualGrid
            count={n}
            cellSize={PREVIEW_CELL}
            label="Preview of the chosen samples"
            onOpen={(position) => setParams({ sample: data.samples[previewOrder[position]]?.id ?? null })}
            onSelect={(position, gesture) => selection.click(previewOrder, position, gesture)}
            isSelected={(position) => selection.has(previewOrder[position])}
            renderCell={(position) => {
              const index = previewOrder[position];
              const sample = data.samples[index];
              return sample === undefined ? null : (
                <figure className={`thumb small${selection.has(index) ? ' picked' : ''}`}>
                  <img key={sample.id} src={api.sampleImageUrl(datasetId, sample.id, 'thumbnail')} alt={sample.fileName} loading="lazy" draggable={false} onError={hideBroken} />
                  <figcaption title={sample.fileName}>
                    #{position + 1} {sample.fileName}
                  </figcaption>
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
              Created tag <strong>{created.name}</strong> with {created.n.toLocaleString()} samples (from run {runLabel}).{' '}
              <a href={href(['datasets', datasetId, 'explore'], new URLSearchParams({ tag: created.id }))}>Show it in Explore</a>
            </p>
          )}
        </section>
      )}
      {openIndex >= 0 && (
        <SampleView
          api={api}
          datasetId={datasetId}
          data={data}
          order={previewOrder.includes(openIndex) ? previewOrder : [openIndex]}
          index={openIndex}
          selection={selection}
          onNavigate={(index) => setParams({ sample: index === null ? null : data.samples[index].id }, { replace: index !== null })}
        />
      )}
    </div>
  );
}

/** `coverage-diversity · n 50, from tag fruits · 50 selected · 07/12/2026, 15:02:11 (4 s)` */
function runSummary(run: SamplingRun, tags: { id: string; name: string }[]): string {
  const tagName = (id: unknown) => tags.find((t) => t.id === id)?.name ?? String(id);
  const words: Record<string, (v: unknown) => string> = {
    n: (v) => `n ${String(v)}`,
    proportion: (v) => `${Math.round(Number(v) * 100)} %`,
    minDistance: (v) => `min. distance ${String(v)}`,
    key: (v) => `key ${String(v)}`,
    seed: (v) => `seed ${String(v)}`,
    projectionDim: (v) => `projected to ${String(v)} dims`,
    queryFiles: (v) => `similar to ${String(v)} files`,
    scoreType: (v) => `score ${String(v)}`,
    queryTagId: (v) => `from tag ${tagName(v)}`,
    preselectedTagId: (v) => `keeping tag ${tagName(v)}`,
  };
  const parameters = Object.entries(run.parameters).map(([k, v]) => (words[k] ?? ((x: unknown) => `${k} ${JSON.stringify(x)}`))(v));
  const result = run.status === 'FINISHED' ? `${(run.selected ?? 0).toLocaleString()} selected` : run.status === 'FAILED' ? `failed: ${run.error ?? 'unknown error'}` : run.status.toLowerCase();
  const took = run.finishedAt !== null ? ` (${Math.max(0, Math.round((run.finishedAt - run.createdAt) / 1000))} s)` : '';
  return [run.strategy, parameters.join(', '), result, `${new Date(run.createdAt).toLocaleString()}${took}`].filter((p) => p !== '').join(' · ');
}
