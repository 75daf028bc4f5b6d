import type { IExecuteFunctions } from 'n8n-workflow';
import type { StepIO } from '../../src/pipeline/steps/step-context';
import { withPlatformClient } from './platform';
import { logProgress } from './progress-log';

/** A node's `StepIO`, and the warnings the step gave (the node puts them into its item as well as n8n's log). */
export interface NodeStepIO {
  io: StepIO;
  warnings: string[];
}

/**
 * The one place a node turns its n8n context into what the pipeline steps take: the "Winnow API" credential's
 * platform (opened per call, closed after), throttled progress lines and warnings in n8n's log, and the execution's
 * cancel signal. `label` names the work in the progress lines (`embed /data/cats: 120/800`).
 */
export function nodeStepIO(ctx: IExecuteFunctions, label: string): NodeStepIO {
  const warnings: string[] = [];
  const node = { node: ctx.getNode().name };
  const io: StepIO = {
    // A remote platform: no home and no storage folder (upload modes that store images need the embedded one).
    usePlatform: (fn) => withPlatformClient(ctx, (client) => fn({ client, home: '', close: () => client.close() })),
    onProgress: logProgress(ctx, label),
    log: {
      warn: (message) => {
        warnings.push(message);
        ctx.logger.warn(message, node);
      },
      debug: (message, fields) => ctx.logger.debug(message, { ...node, ...fields }),
    },
    signal: ctx.getExecutionCancelSignal?.(),
  };
  return { io, warnings };
}
