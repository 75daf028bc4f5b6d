import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { WinnowPipeline } from '../../../nodes/WinnowPipeline/WinnowPipeline.node';
import { connectPipelineClient } from '../../../worker/client';
import { executeNode } from '../fake-context';

const node = new WinnowPipeline().nodeVersions[1];

function temporal() {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS missing: run through vitest (globalSetup starts the Temporal dev server)');
  return { temporalAddress: address, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' };
}

async function terminate(workflowId: string): Promise<void> {
  const { client, close } = await connectPipelineClient({ address: temporal().temporalAddress });
  try {
    await client.workflow.getHandle(workflowId).terminate('test cleanup');
  } finally {
    await close();
  }
}

describe('Winnow Pipeline V1', () => {
  // A task queue no worker polls: the run is real on the Temporal server but never progresses, which is what
  // start / status / cancel need to show (the pipeline itself is tested with workers in test/workflows).
  const taskQueue = `n8n-node-test-${Date.now().toString(36)}`;
  const config = {
    dataset: `n8n-pipeline-${Date.now().toString(36)}`,
    source: { bucket: 'datalake', prefix: 'farm/' },
    select: 5,
    selection: { strategy: 'coreset' },
    tag: { name: 'nightly-{date}' },
    platform: { url: 'http://127.0.0.1:7878' },
  };

  it('starts a run, reports it running, and cancels it', async () => {
    const [started] = await executeNode(node, {
      parameters: { ...temporal(), operation: 'start', pipelineConfig: JSON.stringify(config), taskQueue, waitForCompletion: false },
    });
    expect(started.json).toMatchObject({ status: 'RUNNING' });
    expect(String(started.json.workflowId)).toMatch(/^winnow-/);

    const [status] = await executeNode(node, {
      items: [started],
      parameters: { ...temporal(), operation: 'getStatus', workflowId: started.json.workflowId },
    });
    expect(status.json).toMatchObject({ workflowId: started.json.workflowId, status: 'RUNNING' });

    const [cancelled] = await executeNode(node, {
      parameters: { ...temporal(), operation: 'cancel', workflowId: started.json.workflowId, cancelMode: 'cancel' },
    });
    expect(cancelled.json).toMatchObject({ cancelled: true });

    // Without a worker the run never processes the cancel request, so it is terminated here to leave nothing behind.
    await terminate(String(started.json.workflowId));
  });

  it('refuses to start the same dataset and config twice while it runs', async () => {
    const parameters = { ...temporal(), operation: 'start', pipelineConfig: JSON.stringify({ ...config, dataset: `${config.dataset}-twice` }), taskQueue, waitForCompletion: false };
    const [first] = await executeNode(node, { parameters });
    const [second] = await executeNode(node, { parameters, continueOnFail: true });
    expect(String(second.json.error)).toMatch(/already started/);
    await terminate(String(first.json.workflowId));
  });

  it('names the bad field of a pipeline config', async () => {
    const error = await executeNode(node, {
      parameters: { ...temporal(), operation: 'start', pipelineConfig: JSON.stringify({ ...config, tag: {} }), taskQueue, waitForCompletion: false },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toMatch(/tag/);
  });
});
