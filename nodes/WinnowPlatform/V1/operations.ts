import { NodeOperationError, type IDataObject, type IExecuteFunctions, jsonParse } from 'n8n-workflow';
import type { PlatformClient } from '../../../src/platform/client/platform-client';
import type { ItemResult } from '../../shared/execute-items';
import { splitList } from '../../shared/globs';

/** One operation of the Winnow Platform node: reads its parameters for one item and calls the client once. */
export type PlatformOperation = (ctx: IExecuteFunctions, client: PlatformClient, itemIndex: number) => Promise<ItemResult>;

const param = (ctx: IExecuteFunctions, name: string, itemIndex: number) => String(ctx.getNodeParameter(name, itemIndex)).trim();

function limitOf(ctx: IExecuteFunctions, itemIndex: number): number {
  return ctx.getNodeParameter('returnAll', itemIndex, false) ? Infinity : (ctx.getNodeParameter('limit', itemIndex, 100) as number);
}

async function tagIdOf(ctx: IExecuteFunctions, client: PlatformClient, datasetId: string, itemIndex: number): Promise<string> {
  if (ctx.getNodeParameter('findBy', itemIndex) === 'id') return param(ctx, 'tagId', itemIndex);
  return (await client.getTagByName(datasetId, param(ctx, 'tagName', itemIndex))).id;
}

const asData = (value: object) => value as unknown as IDataObject;

export const operations: Record<string, Record<string, PlatformOperation>> = {
  dataset: {
    async create(ctx, client, i) {
      const name = param(ctx, 'name', i);
      const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
      if (options.reuseExisting) {
        const existing = (await client.getDatasets()).find((dataset) => dataset.name === name);
        if (existing) return asData(existing);
      }
      return asData(await client.createDataset(name));
    },
    async delete(ctx, client, i) {
      const datasetId = param(ctx, 'datasetId', i);
      await client.deleteDataset(datasetId);
      return { deleted: true, datasetId };
    },
    async get(ctx, client, i) {
      if (ctx.getNodeParameter('findBy', i) === 'name') return asData(await client.getDatasetByName(param(ctx, 'datasetName', i)));
      return asData(await client.getDatasetById(param(ctx, 'datasetId', i)));
    },
    async getAll(ctx, client, i) {
      return (await client.getDatasets()).slice(0, limitOf(ctx, i)).map(asData);
    },
  },
  sample: {
    async get(ctx, client, i) {
      return asData(await client.getSampleById(param(ctx, 'datasetId', i), param(ctx, 'sampleId', i)));
    },
    async getAll(ctx, client, i) {
      const limit = limitOf(ctx, i);
      const samples: IDataObject[] = [];
      if (limit === 0) return samples;
      for await (const sample of client.iterateSamples(param(ctx, 'datasetId', i), { signal: ctx.getExecutionCancelSignal?.() })) {
        samples.push(asData(sample));
        if (samples.length >= limit) break;
      }
      return samples;
    },
    async updateCustomMetadata(ctx, client, i) {
      const raw = ctx.getNodeParameter('customMetadata', i);
      const customMetaData = typeof raw === 'string' ? jsonParse<unknown>(raw, { errorMessage: 'Custom Metadata is not valid JSON' }) : raw;
      if (customMetaData === null || typeof customMetaData !== 'object' || Array.isArray(customMetaData)) {
        throw new NodeOperationError(ctx.getNode(), 'Custom Metadata must be a JSON object', { itemIndex: i });
      }
      const update = { customMetaData: customMetaData as Record<string, unknown> };
      return asData(await client.updateSampleById(param(ctx, 'datasetId', i), param(ctx, 'sampleId', i), update));
    },
  },
  tag: {
    async combine(ctx, client, i) {
      const newTagName = param(ctx, 'newTagName', i);
      const result = await client.tagArithmetic(param(ctx, 'datasetId', i), {
        tagId1: param(ctx, 'tagId1', i),
        tagId2: param(ctx, 'tagId2', i),
        operation: ctx.getNodeParameter('combineOperation', i) as 'UNION' | 'INTERSECTION' | 'DIFFERENCE',
        ...(newTagName === '' ? {} : { newTagName }),
      });
      return asData(result);
    },
    async create(ctx, client, i) {
      const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
      const parentTagId = String(options.parentTagId ?? '').trim();
      const fileNames = splitList(ctx.getNodeParameter('fileNames', i));
      const tag = await client.createTagFromFilenames(param(ctx, 'datasetId', i), param(ctx, 'tagName', i), fileNames, parentTagId || undefined);
      return asData(tag);
    },
    async delete(ctx, client, i) {
      const datasetId = param(ctx, 'datasetId', i);
      const tagId = await tagIdOf(ctx, client, datasetId, i);
      await client.deleteTag(datasetId, tagId);
      return { deleted: true, datasetId, tagId };
    },
    async get(ctx, client, i) {
      const datasetId = param(ctx, 'datasetId', i);
      if (ctx.getNodeParameter('findBy', i) === 'name') return asData(await client.getTagByName(datasetId, param(ctx, 'tagName', i)));
      return asData(await client.getTagById(datasetId, param(ctx, 'tagId', i)));
    },
    async getAll(ctx, client, i) {
      return (await client.getAllTags(param(ctx, 'datasetId', i))).map(asData);
    },
  },
  export: {
    async fileNames(ctx, client, i) {
      const datasetId = param(ctx, 'datasetId', i);
      const tagId = await tagIdOf(ctx, client, datasetId, i);
      const fileNames = await client.exportFilenamesByTagId(datasetId, tagId);
      if (ctx.getNodeParameter('output', i) === 'list') return { datasetId, tagId, count: fileNames.length, fileNames };
      return fileNames.map((fileName) => ({ datasetId, tagId, fileName }));
    },
  },
};
