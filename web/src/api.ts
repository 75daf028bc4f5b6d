import type {
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

export type {
  DatasetData,
  Embedding2dData,
  EmbeddingData,
  JobStatusData,
  MetadataConfiguration,
  SampleData,
  SelectionScore,
  TagData,
};

/** An API token as the token endpoints list it; the secret itself is only in the create response, once. */
export interface ApiTokenInfo {
  id: string;
  name: string;
  user: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A failed API call, carrying the server's `{ code, error }` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'winnow.token';

/** The token lives in sessionStorage: it survives a reload but not the tab, so a shared machine forgets it. */
export function loadToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function saveToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
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
 * Every call sends `Authorization: Bearer <token>`.
 */
export class Api {
  constructor(readonly token: string) {}

  private async request<T>(method: string, path: string, options: { query?: Query; body?: unknown; text?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (!response.ok) {
      let code = `HTTP_${response.status}`;
      let message = `${method} ${path} failed with ${response.status}`;
      try {
        const body = (await response.json()) as { code?: string; error?: string; message?: string };
        code = body.code ?? code;
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

  // ---- datasets ----
  getDatasets(): Promise<DatasetData[]> {
    return this.request('GET', '/v1/datasets');
  }
  getDataset(id: string): Promise<DatasetData> {
    return this.request('GET', `/v1/datasets/${enc(id)}`);
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
  getMappings(datasetId: string, field: 'fileName' | '_id'): Promise<string[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/mappings`, { query: { field } });
  }
  /**
   * The URL an `<img>` loads a sample from. Image requests cannot carry a header, so the token rides in the query,
   * which the server accepts as Lightly's `?token=` and cuts from logged URLs.
   */
  sampleImageUrl(datasetId: string, sampleId: string, type: 'full' | 'thumbnail'): string {
    return withQuery(`/v1/datasets/${enc(datasetId)}/samples/${enc(sampleId)}/image`, { type, token: this.token });
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
  getEmbedding2d(datasetId: string, embeddingId: string): Promise<Embedding2dData> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/embeddings/${enc(embeddingId)}/2d`);
  }

  // ---- tags ----
  getTags(datasetId: string): Promise<TagData[]> {
    return this.request('GET', `/v1/datasets/${enc(datasetId)}/tags`);
  }
  createTag(datasetId: string, request: TagCreateRequest): Promise<{ id: string }> {
    return this.request('POST', `/v1/datasets/${enc(datasetId)}/tags`, { body: { creator: 'USER_WEBAPP', ...request } });
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

  // ---- selection ----
  startSampling(datasetId: string, embeddingId: string, request: SamplingCreateRequest): Promise<{ jobId: string }> {
    return this.request('POST', `/v1/datasets/${enc(datasetId)}/embeddings/${enc(embeddingId)}/sampling`, { body: request });
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
