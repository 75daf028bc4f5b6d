import type { IExecuteFunctions, ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import type { PlatformClient } from '../../src/platform/client/platform-client';
import { createHttpClient } from '../../src/platform/client/http-client';

/**
 * The platform client for the node's "Winnow API" credential. Nodes go through the engine's client rather than
 * n8n's request helper so that every face sends the same requests and gets the same named errors.
 */
export async function createPlatformClient(ctx: IExecuteFunctions | ILoadOptionsFunctions): Promise<PlatformClient> {
  const credentials = await ctx.getCredentials('winnowApi');
  return createHttpClient({
    baseUrl: String(credentials.baseUrl ?? '').replace(/\/+$/, ''),
    token: String(credentials.apiToken ?? ''),
  });
}

/** Runs `use` with a client and always releases it, also when `use` throws. */
export async function withPlatformClient<T>(
  ctx: IExecuteFunctions | ILoadOptionsFunctions,
  use: (client: PlatformClient) => Promise<T>,
): Promise<T> {
  const client = await createPlatformClient(ctx);
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Dataset dropdown (loadOptions) for every node with a "Dataset Name or ID" parameter. */
export async function getDatasets(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
  const datasets = await withPlatformClient(this, (client) => client.getDatasets());
  return datasets
    .map((dataset) => ({ name: dataset.name, value: dataset.id, description: `${dataset.nSamples} samples` }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The shared "Dataset Name or ID" parameter. A pipeline-step node takes it from the item by default (`DATASET_FROM_ITEM`:
 * the dataset an earlier step's item names).
 */
export function datasetIdProperty(show: Record<string, string[]> = {}, defaultValue = '') {
  return {
    displayName: 'Dataset Name or ID',
    name: 'datasetId',
    type: 'options' as const,
    typeOptions: { loadOptionsMethod: 'getDatasets' },
    required: true,
    default: defaultValue,
    description: 'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
    ...(Object.keys(show).length > 0 ? { displayOptions: { show } } : {}),
  };
}

/** The default of a step node's dataset: the `datasetId` of the input item (e.g. Save Embeddings' output). */
export const DATASET_FROM_ITEM = '={{ $json.datasetId }}';
