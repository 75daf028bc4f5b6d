import {
  NodeApiError,
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
} from 'n8n-workflow';
import { ERROR_CODES, isErrorCode, type ErrorCode } from '../../src/errors';

/** What one input item turns into: one output object, or several (all paired to that input item). */
export type ItemResult = IDataObject | IDataObject[];

// By shape, not instanceof: an engine error may come from another copy of the engine module (a worker, a bundle).
function isEngineError(error: unknown): error is Error & { code: ErrorCode } {
  return error instanceof Error && isErrorCode((error as { code?: unknown }).code);
}

/**
 * Translates any failure into the n8n error the UI knows how to show: engine errors keep their message (which
 * names the file and line, never a secret) and gain a hint; n8n errors pass through unchanged.
 */
export function toNodeError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError | NodeApiError {
  if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
  if (isEngineError(error)) {
    return new NodeOperationError(ctx.getNode(), error.message, { itemIndex, description: ERROR_CODES[error.code].hint });
  }
  return new NodeOperationError(ctx.getNode(), error instanceof Error ? error : String(error), { itemIndex });
}

export interface ExecutePerItemOptions {
  /**
   * Pipeline-step nodes keep the input item's fields (references such as `datasetId` or `embeddingsCsv`) and add
   * their own, so a later step can still read what an earlier one produced from `$json`.
   */
  keepInputFields?: boolean;
}

/**
 * Runs `operate` once per input item, in order, and builds the node output: every output item is paired to its
 * input item; under "Continue On Fail" a failed item becomes `{ error }` and the next item still runs.
 */
export async function executePerItem(
  ctx: IExecuteFunctions,
  operate: (itemIndex: number) => Promise<ItemResult>,
  options: ExecutePerItemOptions = {},
): Promise<INodeExecutionData[][]> {
  const items = ctx.getInputData();
  const output: INodeExecutionData[] = [];
  for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
    try {
      const result = await operate(itemIndex);
      for (const json of Array.isArray(result) ? result : [result]) {
        output.push({ json: options.keepInputFields ? { ...items[itemIndex].json, ...json } : json, pairedItem: { item: itemIndex } });
      }
    } catch (error) {
      if (ctx.continueOnFail()) {
        output.push({ json: { error: error instanceof Error ? error.message : String(error) }, pairedItem: { item: itemIndex } });
        continue;
      }
      throw toNodeError(ctx, error, itemIndex);
    }
  }
  return [output];
}
