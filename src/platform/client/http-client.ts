import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { NotFoundError, TransientError, WinnowError } from '../../errors';
import { measureProgress } from '../../progress';
import { withRetry, type RetryOptions } from '../../retry';
import { readModelRecord } from '../../embeddings/model-record';
import { ConflictError } from '../errors';
import type {
  CreatedSample,
  DatasetData,
  DatasourceConfigS3,
  EmbeddingData,
  JobStatusData,
  SampleData,
  TagData,
  WriteCsvUrlData,
} from '../schemas';
import { errorFromResponse, type ErrorPayload } from './http-errors';
import { collect, paginate } from './paginate';
import type { ObjectEmbeddingsInfo } from '../service/object-embeddings';
import type { PlatformClient } from './platform-client';
import { waitForJob } from './wait-for-job';

// Samples per request: ~0.5–1 MB of JSON, well under the server's body limit, and 20 round trips for 100k samples.
const SAMPLE_BATCH = 5000;
// Lightly's client pages file names by 25,000; datasets and samples by smaller pages as their items are larger.
const FILENAME_PAGE = 25000;
const LIST_PAGE = 1000;
// Lightly's default request timeout.
const DEFAULT_TIMEOUT_MS = 180_000;

export interface HttpClientOptions {
  /** `http://127.0.0.1:7878` (no trailing slash needed). */
  baseUrl: string;
  token: string;
  /** Retries of idempotent calls on network faults, 5xx and 429 (default 4, with exponential backoff). */
  retries?: number;
  /** First backoff delay (default 250 ms; doubles per retry, capped at 8 s, with jitter). */
  retryBaseDelayMs?: number;
  timeoutMs?: number;
  /** Timeout of an embeddings CSV upload, which includes the server's validation and PCA (default 1 hour). */
  uploadTimeoutMs?: number;
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Safe to send again when the first attempt's outcome is unknown. */
  idempotent: boolean;
  signal?: AbortSignal;
}

/**
 * The platform over HTTP (`winnow serve`), with the same interface and errors as the embedded client. Idempotent
 * calls are retried with backoff; creates that are not idempotent recover from a lost response by looking the
 * object up by name (a retry that meets "already exists" returns the object its first attempt made).
 *
 * @example
 * const client = createHttpClient({ baseUrl: 'http://127.0.0.1:7878', token: process.env.WINNOW_PLATFORM_TOKEN! });
 * await client.getFilenames(datasetId) // → ['a.jpg', 'b.jpg', …]
 */
export function createHttpClient(options: HttpClientOptions): PlatformClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const retries = options.retries ?? 4;
  const baseDelay = options.retryBaseDelayMs ?? 250;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const uploadTimeoutMs = options.uploadTimeoutMs ?? 60 * 60 * 1000;
  const seg = encodeURIComponent;

  const isRetryable = (error: unknown) => error instanceof WinnowError && error.retryable;
  const retryOptions = (signal?: AbortSignal): RetryOptions => ({ attempts: retries + 1, baseDelayMs: baseDelay, signal });

  async function once<T>(
    method: string,
    url: string,
    init: { body?: RequestInit['body']; headers?: Record<string, string>; signal?: AbortSignal; duplex?: boolean; timeoutMs?: number },
  ): Promise<T> {
    const signals = [AbortSignal.timeout(init.timeoutMs ?? timeoutMs), ...(init.signal ? [init.signal] : [])];
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        body: init.body,
        headers: { authorization: `Bearer ${options.token}`, accept: 'application/json', ...init.headers },
        signal: AbortSignal.any(signals),
        ...(init.duplex ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      throw new TransientError(`cannot reach the platform at ${baseUrl}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`, error);
    }
    const text = await response.text();
    if (!response.ok) {
      let payload: ErrorPayload = {};
      try {
        payload = JSON.parse(text) as ErrorPayload;
      } catch {
        payload = { error: `HTTP ${response.status} ${response.statusText}` };
      }
      throw errorFromResponse(response.status, payload);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  function buildUrl(path: string, query?: RequestOptions['query']): string {
    const url = new URL(baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  function request<T>(method: string, path: string, req: RequestOptions): Promise<T> {
    const url = buildUrl(path, req.query);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    const call = () => once<T>(method, url, { body, headers, signal: req.signal });
    return req.idempotent ? withRetry(call, isRetryable, retryOptions(req.signal)) : call();
  }

  /** A create that is safe to retry: after a lost response, "already exists" means our first attempt won. */
  function createOrRecover<T>(create: () => Promise<T>, lookup: () => Promise<T>): Promise<T> {
    return withRetry(
      async (attempt) => {
        try {
          return await create();
        } catch (error) {
          if (attempt > 1 && error instanceof ConflictError) return lookup();
          throw error;
        }
      },
      isRetryable,
      retryOptions(),
    );
  }

  const ds = (id: string) => `/v1/datasets/${seg(id)}`;

  const client: PlatformClient = {
    createDataset(name, rest = {}) {
      return createOrRecover(
        async () => {
          const { id } = await request<{ id: string }>('POST', '/v1/datasets', { body: { ...rest, name }, idempotent: false });
          return client.getDatasetById(id);
        },
        () => client.getDatasetByName(name),
      );
    },
    getDatasets() {
      return collect(paginate((page) => request<DatasetData[]>('GET', '/v1/datasets', { query: page, idempotent: true }), LIST_PAGE));
    },
    getDatasetById(id) {
      return request<DatasetData>('GET', ds(id), { idempotent: true });
    },
    async getDatasetByName(name) {
      const found = await request<DatasetData[]>('GET', `/v1/datasets/query/name/${seg(name)}`, { query: { exact: true }, idempotent: true });
      if (found.length === 0) throw new NotFoundError('dataset named', name);
      return found[0];
    },
    async datasetExists(id) {
      try {
        await client.getDatasetById(id);
        return true;
      } catch (error) {
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    },
    async deleteDataset(id) {
      await request('DELETE', ds(id), { idempotent: true });
    },

    async createSamples(datasetId, list, callOptions = {}) {
      const started = Date.now();
      const out: CreatedSample[] = [];
      for (let i = 0; i < list.length; i += SAMPLE_BATCH) {
        // Idempotent by fileName on the server, so a batch whose response was lost is simply sent again.
        const batch = await request<CreatedSample[]>('POST', `${ds(datasetId)}/samples/batch`, {
          body: { samples: list.slice(i, i + SAMPLE_BATCH) },
          idempotent: true,
          signal: callOptions.signal,
        });
        out.push(...batch);
        callOptions.onProgress?.(measureProgress(out.length, list.length, started));
      }
      if (list.length === 0) await client.getDatasetById(datasetId);
      return out;
    },
    iterateSamples(datasetId, pageOptions = {}) {
      return paginate(
        (page) => request<SampleData[]>('GET', `${ds(datasetId)}/samples`, { query: page, idempotent: true, signal: pageOptions.signal }),
        pageOptions.pageSize ?? LIST_PAGE,
        pageOptions.signal,
      );
    },
    getSampleById(datasetId, sampleId) {
      return request<SampleData>('GET', `${ds(datasetId)}/samples/${seg(sampleId)}`, { idempotent: true });
    },
    updateSampleById(datasetId, sampleId, update) {
      return request<SampleData>('PUT', `${ds(datasetId)}/samples/${seg(sampleId)}`, { body: update, idempotent: true });
    },
    getFilenames(datasetId) {
      return collect(
        paginate((page) => request<string[]>('GET', `${ds(datasetId)}/mappings`, { query: { field: 'fileName', ...page }, idempotent: true }), FILENAME_PAGE),
      );
    },

    async uploadEmbeddings(datasetId, csvPath, name, callOptions = {}) {
      const size = (await stat(csvPath)).size;
      const record = await readModelRecord(csvPath);
      return withRetry(async () => {
        // A fresh URL per attempt: the embedding id is the same (by name), the signature may have expired.
        const { signedWriteUrl } = await request<WriteCsvUrlData>('GET', `${ds(datasetId)}/embeddings/writeCSVUrl`, {
          query: { name },
          idempotent: true,
          signal: callOptions.signal,
        });
        const started = Date.now();
        let sent = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            sent += chunk.length;
            callOptions.onProgress?.(measureProgress(sent, size, started));
            done(null, chunk);
          },
        });
        const body = Readable.toWeb(createReadStream(csvPath).pipe(counter)) as unknown as RequestInit['body'];
        return once<EmbeddingData>('PUT', signedWriteUrl, {
          body,
          headers: { 'content-type': 'text/csv', 'content-length': String(size), ...(record ? { 'x-winnow-model': record.model } : {}) },
          signal: callOptions.signal,
          duplex: true,
          timeoutMs: uploadTimeoutMs,
        });
      }, isRetryable, retryOptions(callOptions.signal));
    },
    getEmbeddings(datasetId) {
      return request<EmbeddingData[]>('GET', `${ds(datasetId)}/embeddings`, { idempotent: true });
    },
    getEmbeddings2d(datasetId, embeddingId) {
      return request('GET', `${ds(datasetId)}/embeddings/${seg(embeddingId)}/2d`, { idempotent: true });
    },
    async getEmbeddingModel(datasetId, embeddingId) {
      return (await request<{ model: string | null }>('GET', `${ds(datasetId)}/embeddings/${seg(embeddingId)}/model`, { idempotent: true })).model;
    },

    uploadCustomMetadata(datasetId, customMetadata) {
      // Setting the same values twice leaves the same state, so a lost response is safe to retry.
      return request('POST', `${ds(datasetId)}/customMetadata`, { body: customMetadata, idempotent: true });
    },
    async createMetadataConfiguration(datasetId, configuration) {
      const { id } = await request<{ id: string }>('POST', `${ds(datasetId)}/configuration/metadata`, { body: configuration, idempotent: false });
      return request('GET', `${ds(datasetId)}/configuration/metadata/${seg(id)}`, { idempotent: true });
    },
    getMetadataConfigurations(datasetId) {
      return request('GET', `${ds(datasetId)}/configuration/metadata`, { idempotent: true });
    },

    getAllTags(datasetId) {
      return request<TagData[]>('GET', `${ds(datasetId)}/tags`, { idempotent: true });
    },
    getTagById(datasetId, tagId) {
      return request<TagData>('GET', `${ds(datasetId)}/tags/${seg(tagId)}`, { idempotent: true });
    },
    async getTagByName(datasetId, name) {
      const found = (await client.getAllTags(datasetId)).find((t) => t.name === name);
      if (!found) throw new NotFoundError('tag named', name);
      return found;
    },
    createTagFromBitmask(datasetId, body) {
      return createOrRecover(
        async () => {
          const { id } = await request<{ id: string }>('POST', `${ds(datasetId)}/tags`, { body, idempotent: false });
          return client.getTagById(datasetId, id);
        },
        () => client.getTagByName(datasetId, body.name),
      );
    },
    createTagFromFilenames(datasetId, name, fileNames, prevTagId) {
      return createOrRecover(
        async () => {
          const { id } = await request<{ id: string }>('POST', `${ds(datasetId)}/tags/fromFilenames`, {
            body: { name, fileNames, ...(prevTagId === undefined ? {} : { prevTagId }) },
            idempotent: false,
          });
          return client.getTagById(datasetId, id);
        },
        () => client.getTagByName(datasetId, name),
      );
    },
    tagArithmetic(datasetId, body) {
      const post = () => request<{ id?: string; bitMaskData: string }>('POST', `${ds(datasetId)}/tags/arithmetics`, { body, idempotent: body.newTagName === undefined });
      if (body.newTagName === undefined) return post();
      const newTagName = body.newTagName;
      return createOrRecover(post, async () => {
        const tag = await client.getTagByName(datasetId, newTagName);
        return { id: tag.id, bitMaskData: tag.bitMaskData };
      });
    },
    exportFilenamesByTagId(datasetId, tagId) {
      return request<string[]>('GET', `${ds(datasetId)}/tags/${seg(tagId)}/filenames`, { idempotent: true });
    },
    async exportFilenamesByTagName(datasetId, name) {
      return client.exportFilenamesByTagId(datasetId, (await client.getTagByName(datasetId, name)).id);
    },
    async deleteTag(datasetId, tagId) {
      await request('DELETE', `${ds(datasetId)}/tags/${seg(tagId)}`, { idempotent: true });
    },

    startSelection(datasetId, embeddingId, body) {
      // Not retried: a second job would race the first for the same tag name.
      return request('POST', `${ds(datasetId)}/embeddings/${seg(embeddingId)}/sampling`, { body, idempotent: false });
    },
    getJob(jobId) {
      return request<JobStatusData>('GET', `/v1/jobs/${seg(jobId)}`, { idempotent: true });
    },
    waitForJob(jobId, waitOptions) {
      return waitForJob((id) => client.getJob(id), jobId, waitOptions);
    },
    getSelectionScores(jobId) {
      return request('GET', `/v1/jobs/${seg(jobId)}/scores`, { idempotent: true });
    },
    uploadPredictions(datasetId, body) {
      // Storing the same predictions twice leaves the same state, so a lost response is safe to retry.
      return request('POST', `${ds(datasetId)}/predictions`, { body, idempotent: true });
    },
    async uploadObjectEmbeddings(datasetId, task, csvPath) {
      const size = (await stat(csvPath)).size;
      // The upload replaces the task's file with the same bytes, so a lost response is safe to send again.
      return withRetry(
        () =>
          once<ObjectEmbeddingsInfo>('PUT', `${baseUrl}${ds(datasetId)}/predictions/tasks/${seg(task)}/objectEmbeddings`, {
            body: Readable.toWeb(createReadStream(csvPath)) as unknown as RequestInit['body'],
            headers: { 'content-type': 'text/csv', 'content-length': String(size) },
            duplex: true,
            timeoutMs: uploadTimeoutMs,
          }),
        isRetryable,
        retryOptions(),
      );
    },
    getScores(datasetId, query = {}) {
      return request('GET', `${ds(datasetId)}/scores`, { query: { task: query.task, scoreType: query.scoreType }, idempotent: true });
    },
    getRoundSamples(datasetId, tagId, sinceTagId) {
      return request('GET', `${ds(datasetId)}/tags/${seg(tagId)}/round`, { query: { sinceTagId }, idempotent: true });
    },
    startHealth(datasetId, embeddingId, body) {
      // Not retried: a second job would race the first for the same tags.
      return request('POST', `${ds(datasetId)}/embeddings/${seg(embeddingId)}/health`, { body, idempotent: false });
    },
    getHealthReport(datasetId, jobId) {
      return request('GET', `${ds(datasetId)}/health/${seg(jobId)}`, { idempotent: true });
    },
    createTagFromScores(datasetId, body) {
      return createOrRecover(
        async () => {
          const { id } = await request<{ id: string }>('POST', `${ds(datasetId)}/tags/fromScores`, { body, idempotent: false });
          return client.getTagById(datasetId, id);
        },
        () => client.getTagByName(datasetId, body.name),
      );
    },

    getDatasource(datasetId, purpose) {
      return request<DatasourceConfigS3>('GET', `${ds(datasetId)}/datasource`, { query: { purpose }, idempotent: true });
    },
    setDatasource(datasetId, config) {
      return request<DatasourceConfigS3>('PUT', `${ds(datasetId)}/datasource`, { body: config, idempotent: true });
    },
    verifyDatasource(datasetId, purpose) {
      return request('GET', `${ds(datasetId)}/datasource/verify`, { query: { purpose }, idempotent: true });
    },
    listDatasourceFiles(datasetId, listOptions = {}) {
      return request('GET', `${ds(datasetId)}/datasource/list`, { query: { ...listOptions }, idempotent: true });
    },

    async close() {
      // fetch keeps no per-client state worth releasing; present for symmetry with the embedded client.
    },
  };
  return client;
}
