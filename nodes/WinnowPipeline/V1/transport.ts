import { jsonParse, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';
import { parsePipelineConfig } from '../../../src/pipeline/config';
import { cancelPipeline, connectPipelineClient, describePipeline, startPipeline, type PipelineClient } from '../../../worker/client';

async function withTemporal<T>(ctx: IExecuteFunctions, itemIndex: number, use: (connection: PipelineClient) => Promise<T>): Promise<T> {
  const connection = await connectPipelineClient({
    address: String(ctx.getNodeParameter('temporalAddress', itemIndex)).trim(),
    namespace: String(ctx.getNodeParameter('namespace', itemIndex)).trim(),
  });
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}

const toData = (value: unknown) => JSON.parse(JSON.stringify(value)) as IDataObject;

async function start(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const raw = ctx.getNodeParameter('pipelineConfig', itemIndex);
  const config = parsePipelineConfig(typeof raw === 'string' ? jsonParse(raw, { errorMessage: 'Pipeline Config is not valid JSON' }) : raw, 'Pipeline Config');
  const taskQueue = String(ctx.getNodeParameter('taskQueue', itemIndex, 'winnow')).trim() || 'winnow';
  return withTemporal(ctx, itemIndex, async ({ client }) => {
    const { workflowId, runId } = await startPipeline(client, config, { taskQueue });
    if (!ctx.getNodeParameter('waitForCompletion', itemIndex, false)) return { workflowId, runId, status: 'RUNNING' };
    const timeoutMs = (ctx.getNodeParameter('timeoutMinutes', itemIndex, 60) as number) * 60_000;
    const handle = client.workflow.getHandle(workflowId, runId);
    const finished = await Promise.race([
      handle.result().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
    ]).catch(() => true);
    // Whatever happened (done, failed, or still running at the timeout), describe it the way Get Status does.
    return { ...toData(await describePipeline(client, workflowId)), finished };
  });
}

async function getStatus(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const workflowId = String(ctx.getNodeParameter('workflowId', itemIndex)).trim();
  return withTemporal(ctx, itemIndex, async ({ client }) => toData(await describePipeline(client, workflowId)));
}

async function cancel(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const workflowId = String(ctx.getNodeParameter('workflowId', itemIndex)).trim();
  const mode = ctx.getNodeParameter('cancelMode', itemIndex, 'cancel') as 'cancel' | 'stop';
  return withTemporal(ctx, itemIndex, async ({ client }) => {
    await cancelPipeline(client, workflowId, mode);
    return { workflowId, cancelled: true, mode };
  });
}

export const pipelineOperations = { start, getStatus, cancel };
