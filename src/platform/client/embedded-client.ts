import { copyFile } from 'node:fs/promises';
import { NotFoundError } from '../../errors';
import { readModelRecord } from '../../embeddings/model-record';
import { measureProgress } from '../../progress';
import * as datasets from '../service/datasets';
import * as datasources from '../service/datasources';
import * as embeddings from '../service/embeddings';
import * as health from '../service/health';
import * as metadata from '../service/metadata';
import * as objectEmbeddings from '../service/object-embeddings';
import * as predictions from '../service/predictions';
import { roundSamplesWithNames } from '../service/rounds';
import { PredictionsUploadRequest } from '../prediction-schemas';
import * as samples from '../service/samples';
import * as selection from '../service/selection';
import * as tags from '../service/tags';
import { ensureUser, LOCAL_USER } from '../service/tokens';
import {
  CustomMetadata,
  DatasetCreateRequest,
  DatasourceConfigS3,
  MetadataConfigurationCreateRequest,
  SampleBatchCreateRequest,
  SampleUpdateRequest,
  SamplingCreateRequest,
  TagArithmeticsRequest,
  TagCreateRequest,
  TagFromFilenamesRequest,
  TagFromScoresRequest,
} from '../schemas';
import type { Store } from '../store/store';
import { checkRequest } from '../validate';
import { paginate } from './paginate';
import type { PlatformClient } from './platform-client';
import { waitForJob } from './wait-for-job';

// Samples per transaction: large enough that 100k samples take 20 commits, small enough to report progress.
const SAMPLE_BATCH = 5000;

export interface EmbeddedClientOptions {
  /** Platform home (defaults to the store's); kept for symmetry with the server. */
  home?: string;
  /** User to act as; default `local`, the user `winnow token create` issues tokens for. */
  user?: string;
}

/**
 * The platform in-process: the same calls as the HTTP client, straight on the store, with the same named errors.
 * Selection jobs run in this process; `close()` waits for a running one.
 *
 * @example
 * const client = createEmbeddedClient(await openStore({ home }));
 * await client.createDataset('pets') // → { id: '6745…', name: 'pets', nSamples: 0, … }
 */
export function createEmbeddedClient(store: Store, options: EmbeddedClientOptions = {}): PlatformClient {
  const runner = new selection.JobRunner(store);
  let scopePromise: Promise<datasets.UserScope> | undefined;
  const scope = () => (scopePromise ??= ensureUser(store, options.user ?? LOCAL_USER).then((userId) => ({ store, userId })));

  const client: PlatformClient = {
    async createDataset(name, rest = {}) {
      const request = { ...rest, name };
      checkRequest(DatasetCreateRequest, request);
      return datasets.createDataset(await scope(), request);
    },
    async getDatasets() {
      return datasets.listDatasets(await scope());
    },
    async getDatasetById(id) {
      return datasets.getDataset(await scope(), id);
    },
    async getDatasetByName(name) {
      return datasets.getDatasetByName(await scope(), name);
    },
    async datasetExists(id) {
      try {
        await datasets.getDataset(await scope(), id);
        return true;
      } catch (error) {
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    },
    async deleteDataset(id) {
      await datasets.deleteDataset(await scope(), id);
    },

    async createSamples(datasetId, list, callOptions = {}) {
      const s = await scope();
      const started = Date.now();
      const out = [];
      for (let i = 0; i < list.length; i += SAMPLE_BATCH) checkRequest(SampleBatchCreateRequest, { samples: list.slice(i, i + SAMPLE_BATCH) });
      for (let i = 0; i < list.length; i += SAMPLE_BATCH) {
        callOptions.signal?.throwIfAborted();
        out.push(...(await samples.createSamples(s, datasetId, list.slice(i, i + SAMPLE_BATCH))));
        callOptions.onProgress?.(measureProgress(out.length, list.length, started));
      }
      if (list.length === 0) await datasets.getDataset(s, datasetId);
      return out;
    },
    iterateSamples(datasetId, pageOptions = {}) {
      return paginate(async (page) => samples.listSamples(await scope(), datasetId, page), pageOptions.pageSize ?? SAMPLE_BATCH, pageOptions.signal);
    },
    async getSampleById(datasetId, sampleId) {
      return samples.getSample(await scope(), datasetId, sampleId);
    },
    async updateSampleById(datasetId, sampleId, update) {
      checkRequest(SampleUpdateRequest, update);
      return samples.updateSample(await scope(), datasetId, sampleId, update);
    },
    async getFilenames(datasetId) {
      return samples.getMappings(await scope(), datasetId, 'fileName');
    },

    async uploadEmbeddings(datasetId, csvPath, name, callOptions = {}) {
      const s = await scope();
      await datasets.getDataset(s, datasetId);
      const embeddingId = await embeddings.reserveEmbedding(store, datasetId, name);
      const upload = await embeddings.embeddingUploadPath(store, datasetId);
      await copyFile(csvPath, upload);
      const record = await readModelRecord(csvPath);
      return embeddings.ingestEmbeddingsCsv(store, datasetId, embeddingId, upload, { label: csvPath, signal: callOptions.signal, model: record?.model });
    },
    async getEmbeddings(datasetId) {
      return embeddings.listEmbeddings(await scope(), datasetId);
    },
    async getEmbeddings2d(datasetId, embeddingId) {
      return embeddings.getEmbedding2d(await scope(), datasetId, embeddingId);
    },
    async getEmbeddingModel(datasetId, embeddingId) {
      return (await embeddings.getEmbeddingModel(await scope(), datasetId, embeddingId)).model;
    },

    async uploadCustomMetadata(datasetId, customMetadata) {
      checkRequest(CustomMetadata, customMetadata);
      return metadata.uploadCustomMetadata(await scope(), datasetId, customMetadata);
    },
    async createMetadataConfiguration(datasetId, configuration) {
      checkRequest(MetadataConfigurationCreateRequest, configuration);
      return metadata.createMetadataConfiguration(await scope(), datasetId, configuration);
    },
    async getMetadataConfigurations(datasetId) {
      return metadata.listMetadataConfigurations(await scope(), datasetId);
    },

    async getAllTags(datasetId) {
      return tags.listTags(await scope(), datasetId);
    },
    async getTagById(datasetId, tagId) {
      return tags.getTag(await scope(), datasetId, tagId);
    },
    async getTagByName(datasetId, name) {
      return tags.getTagByName(await scope(), datasetId, name);
    },
    async createTagFromBitmask(datasetId, request) {
      checkRequest(TagCreateRequest, request);
      return tags.createTag(await scope(), datasetId, request);
    },
    async createTagFromFilenames(datasetId, name, fileNames, prevTagId) {
      const request = { name, fileNames, ...(prevTagId === undefined ? {} : { prevTagId }) };
      checkRequest(TagFromFilenamesRequest, request);
      return tags.createTagFromFilenames(await scope(), datasetId, request);
    },
    async tagArithmetic(datasetId, request) {
      checkRequest(TagArithmeticsRequest, request);
      return tags.tagArithmetics(await scope(), datasetId, request);
    },
    async exportFilenamesByTagId(datasetId, tagId) {
      return tags.exportFilenames(await scope(), datasetId, tagId);
    },
    async exportFilenamesByTagName(datasetId, name) {
      const s = await scope();
      return tags.exportFilenames(s, datasetId, (await tags.getTagByName(s, datasetId, name)).id);
    },
    async deleteTag(datasetId, tagId) {
      await tags.deleteTag(await scope(), datasetId, tagId);
    },

    async startSelection(datasetId, embeddingId, request) {
      checkRequest(SamplingCreateRequest, request);
      return selection.startSelection(await scope(), runner, datasetId, embeddingId, request);
    },
    async getJob(jobId) {
      return selection.getJob(await scope(), jobId);
    },
    async waitForJob(jobId, waitOptions = {}) {
      // In-process the job row is fresh at once; a short poll keeps CLI waits snappy without a busy loop.
      return waitForJob((id) => client.getJob(id), jobId, { pollIntervalMs: 50, ...waitOptions });
    },
    async getSelectionScores(jobId) {
      return selection.getSelectionScores(await scope(), jobId);
    },
    async uploadPredictions(datasetId, request) {
      checkRequest(PredictionsUploadRequest, request);
      return predictions.savePredictionsFromBody(await scope(), datasetId, request);
    },
    async uploadObjectEmbeddings(datasetId, task, csvPath) {
      const s = await scope();
      const upload = await objectEmbeddings.objectEmbeddingsUploadPath(s, datasetId, task);
      await copyFile(csvPath, upload);
      return objectEmbeddings.saveObjectEmbeddings(s, datasetId, task, upload);
    },
    async getScores(datasetId, query = {}) {
      return predictions.listScores(await scope(), datasetId, query);
    },
    async getRoundSamples(datasetId, tagId, sinceTagId) {
      return roundSamplesWithNames(await scope(), datasetId, tagId, sinceTagId);
    },
    async startHealth(datasetId, embeddingId, request) {
      return health.startHealth(await scope(), runner, datasetId, embeddingId, request);
    },
    async getHealthReport(datasetId, jobId) {
      return health.getHealthReport(await scope(), datasetId, jobId);
    },
    async createTagFromScores(datasetId, request) {
      checkRequest(TagFromScoresRequest, request);
      return selection.createTagFromScores(await scope(), datasetId, request);
    },

    async getDatasource(datasetId, purpose) {
      return datasources.getDatasource(await scope(), datasetId, purpose);
    },
    async setDatasource(datasetId, config) {
      checkRequest(DatasourceConfigS3, config);
      return datasources.setDatasource(await scope(), datasetId, config);
    },
    async verifyDatasource(datasetId, purpose) {
      return datasources.verifyDatasource(await scope(), datasetId, purpose);
    },
    async listDatasourceFiles(datasetId, listOptions) {
      return datasources.listDatasourceFiles(await scope(), datasetId, listOptions);
    },

    async close() {
      await runner.close();
    },
  };
  return client;
}
