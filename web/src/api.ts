import type {
  ApiTokenInfo,
  DatasetData,
  Embedding2dData,
  EmbeddingData,
  JobStatusData,
  MetadataConfiguration,
  MetadataConfigurationCreateRequest,
  SampleData,
  SamplingCreateRequest,
  SelectionScore,
  TagArithmeticsRequest,
  TagArithmeticsResponse,
  TagCreateRequest,
  TagData,
} from '../../src/platform/schemas';
import type { SampleQuery, SampleQueryResult } from '../../src/platform/service/sample-query';
import type { SamplingRun } from '../../src/platform/service/sampling-runs';
import { errorCodeForStatus, isErrorCode, type ErrorCode } from '../../src/errors';
import type { HealthMeasureColumns, LatestHealth } from '../../src/platform/service/health';
import type { SimilarSamplesResult } from '../../src/platform/service/similar';
import type { getSamplePredictions, StoredPredictionTask } from '../../src/platform/service/predictions';

/** One task's predictions of one sample, with the task's type and categories. */
export type SampleTaskPredictions = Awaited<ReturnType<typeof getSamplePredictions>>[number];
export type { StoredPredictionTask };

export type { SampleQuery, SampleQueryResult, SamplingRun };

export type {
  ApiTokenInfo,
  DatasetData,
  Embedding2dData,
  EmbeddingData,
  JobStatusData,
  MetadataConfiguration,
  SampleData,
  SelectionScore,
  TagData,
};

/** A failed API call, carrying the server's `{ code, error }` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

const enc = encodeURIComponent;

/**
 * The platform's v1 REST API as the web app uses it; same paths and shapes as the Lightly-compatible server.
 * The app never holds the API token: it signs in once (`signIn`), and the server's HttpOnly session cookie rides
 * along with every same-origin request, `<img>` loads included. Every call sends `x-winnow-request: 1`, which the
 * server requires of cookie-signed writes and no cross-site form can send.
 */
export class Api {
  /** Called when the server says the session has ended (signed out elsewhere, expired, token revoked). */
  constructor(private readonly onSignedOut: () => void = () => undefined) {}

  private async request<T>(method: string, path: string, options: { query?: Query; body?: unknown; text?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = { 'x-winnow-request': '1' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (response.status === 401 && path !== '/v1/session') this.onSignedOut();
    if (!response.ok) {
      let code = errorCodeForStatus(response.status);
      let message = `${method} ${path} failed with ${response.status}`;
      try {
        const body = (await response.json()) as { code?: string; error?: string; message?: string };
        if (isErrorCode(body.code)) code = body.code;
        message = body.error ?? body.message ?? message;
      } catch {
        // Not JSON (a proxy page, say): keep the status line.
      }
      throw new ApiError(response.status, code, message);
    }
    if (response.status === 204) return undefined as T;
    if (options.text) return (await response.text()) as T;
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? await response.json() : await response.text()) as T;
  }

  // ---- session ----
  /** Exchanges an API token for a session cookie; the token is not kept. 401 for an unknown or revoked token. */
  signIn(token: string): Promise<{ userId: string }> {
    return this.request('POST', '/v1/session', { body: { token } });
  }
  /** Whether the browser's session cookie is still good (throws ApiError 401 when not). */
  getSession(): Promise<{ userId: string }> {
    return this.request('GET', '/v1/session');
  }
  signOut(): Promise<void> {
    return this.request('DELETE', '/v1/session');
  }

  // ---- datasets ----
  getDatasets(): Promise<DatasetData[]> {
    return this.request('GET', '/v1/datasets');
  }
  getDataset(id: string): Promise<DatasetData> {
    return this.request('GET', `/v1/datasets/${enc(id)}`);
  }
  deleteDataset(id: string): Promise<void> {
    return this.request('DELETE', `/v1/datasets/${enc(id)}`);
  }
  async createDataset(name: string): Promise<{ id: string }> {
    return this.request('POST', '/v1/datasets', { body: { name, type: 'Images', creator: 'USER_WEBAPP' } });
  }

  // ---- samples ----
  getSamples(datasetId: string, page: { pageSize: number; pageOffset: number }): Promise<SampleData[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/samples`, { query: page });
  }
  getSample(datasetId: string, sampleId: string): Promise<SampleData> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/samples/${enc(sampleId)}`);
  }
  /** Filters, counts and pages samples on the server (the store's query layer): the app never holds the whole dataset. */
  querySamples(datasetId: string, query: SampleQuery): Promise<SampleQueryResult> {
    return this.request('POST', `/v1/datasets/${enc(datasetId)}/samples/query`, { body: query });
  }
  getMappings(datasetId: string, field: 'fileName' | '_id'): Promise<string[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/mappings`, { query: { field } });
  }
  /** The URL an `<img>` loads a sample from: the session cookie signs it, so it carries no secret and can be shared. */
  sampleImageUrl(datasetId: string, sampleId: string, type: 'full' | 'thumbnail'): string {
    return withQuery(`/v1/datasets/${enc(datasetId)}/samples/${enc(sampleId)}/image`, { type });
  }

  // ---- custom metadata ----
  getMetadataConfigurations(datasetId: string): Promise<MetadataConfiguration[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/configuration/metadata`);
  }
  createMetadataConfiguration(datasetId: string, request: MetadataConfigurationCreateRequest): Promise<MetadataConfiguration> {
    return this.request('POST', `/v1/datasets/${enc(datasetId)}/configuration/metadata`, { body: request });
  }

  // ---- embeddings ----
  getEmbeddings(datasetId: string): Promise<EmbeddingData[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/embeddings`);
  }
  getEmbedding2d(datasetId: string, embeddingId: string, method: 'PCA' | 'UMAP' = 'PCA'): Promise<Embedding2dData> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/embeddings/${enc(embeddingId)}/2d`, { query: method === 'PCA' ? undefined : { method } });
  }
  /** Starts the job computing the embedding's UMAP map on the server. */
  startUmap(datasetId: string, embeddingId: string): Promise<{ jobId: string }> {
    return this.request('POST', `/v1/datasets/${enc(datasetId)}/embeddings/${enc(embeddingId)}/2d/umap`);
  }

  // ---- tags ----
  getTags(datasetId: string): Promise<TagData[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/tags`);
  }
  createTag(datasetId: string, request: TagCreateRequest): Promise<{ id: string }> {
    return this.request('POST', `/v1/datasets/${enc(datasetId)}/tags`, { body: { creator: 'USER_WEBAPP', ...request } });
  }
  /** Renames a tag or replaces its samples (Lightly's update_tag_by_tag_id). */
  updateTag(datasetId: string, tagId: string, request: { name: string; bitMaskData?: string }): Promise<TagData> {
    return this.request('PUT', `/v1/datasets/${enc(datasetId)}/tags/${enc(tagId)}`, { body: { ...request, updateCreator: 'USER_WEBAPP' } });
  }
  deleteTag(datasetId: string, tagId: string): Promise<void> {
    return this.request('DELETE', `/v1/datasets/${enc(datasetId)}/tags/${enc(tagId)}`);
  }
  tagArithmetics(datasetId: string, request: TagArithmeticsRequest): Promise<TagArithmeticsResponse> {
    return this.request('POST', `/v1/datasets/${enc(datasetId)}/tags/arithmetics`, { body: request });
  }
  /** Plain text, one file name a line, as Lightly's `export/basic/filenames`. */
  exportTagFilenames(datasetId: string, tagId: string): Promise<string> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/tags/${enc(tagId)}/export/basic/filenames`, { text: true });
  }

  /** Label Studio import tasks of a tag: one signed image URL per sample (Lightly's export/LabelStudio/tasks). */
  exportLabelStudioTasks(datasetId: string, tagId: string): Promise<unknown[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/tags/${enc(tagId)}/export/LabelStudio/tasks`);
  }

  // ---- selection ----
  startSampling(datasetId: string, embeddingId: string, request: SamplingCreateRequest): Promise<{ jobId: string }> {
    return this.request('POST', `/v1/datasets/${enc(datasetId)}/embeddings/${enc(embeddingId)}/sampling`, { body: request });
  }
  /** A dataset's sampling runs, newest first: strategy, parameters, time, status, result size. */
  getSamplingRuns(datasetId: string): Promise<SamplingRun[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/sampling/runs`);
  }
  getJob(jobId: string): Promise<JobStatusData> {
    return this.request('GET', `/v1/jobs/${enc(jobId)}`);
  }
  getSelectionScores(jobId: string): Promise<SelectionScore[]> {
    return this.request('GET', `/v1/jobs/${enc(jobId)}/scores`);
  }
  createTagFromScores(datasetId: string, request: { jobId: string; name: string; n: number }): Promise<TagData> {
    return this.request('POST', `/v1/datasets/${enc(datasetId)}/tags/fromScores`, { body: request });
  }

  // ---- dataset health (Winnow extension) ----
  startHealth(datasetId: string, embeddingId: string, request: { options?: Record<string, unknown>; tagPrefix?: string } = {}): Promise<{ jobId: string }> {
    return this.request('POST', `/v1/datasets/${enc(datasetId)}/embeddings/${enc(embeddingId)}/health`, { body: request });
  }
  /** The newest health job and its report (null before any ran). */
  getLatestHealth(datasetId: string): Promise<LatestHealth | null> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/health/latest`);
  }
  getHealthMeasures(datasetId: string): Promise<HealthMeasureColumns> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/health/measures`);
  }
  /** Nearest neighbours of a sample from the dataset's ANN index. */
  getSimilarSamples(datasetId: string, sampleId: string, k = 12): Promise<SimilarSamplesResult> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/samples/${enc(sampleId)}/similar`, { query: { k } });
  }

  // ---- predictions (Winnow extension, Lightly's prediction format) ----
  getPredictionTasks(datasetId: string): Promise<StoredPredictionTask[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/predictions/tasks`);
  }
  getSamplePredictions(datasetId: string, sampleId: string): Promise<SampleTaskPredictions[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/samples/${enc(sampleId)}/predictions`);
  }

  // ---- tokens ----
  getTokens(): Promise<ApiTokenInfo[]> {
    return this.request('GET', '/v1/tokens');
  }
  createToken(name: string): Promise<{ token: string; info: ApiTokenInfo }> {
    return this.request('POST', '/v1/tokens', { body: { name } });
  }
  revokeToken(id: string): Promise<ApiTokenInfo> {
    return this.request('DELETE', `/v1/tokens/${enc(id)}`);
  }
}
