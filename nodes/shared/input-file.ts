import type { IExecuteFunctions } from 'n8n-workflow';
import { binaryToTempFile } from './binary-file';

/**
 * Runs `use` with a path to the item's input file, whichever "Input Source" was chosen. A binary input is copied to
 * a temp file for the engine (which reads by path) and removed afterwards, also when `use` throws.
 */
export async function withInputFile<T>(
  ctx: IExecuteFunctions,
  itemIndex: number,
  pathParameter: string,
  use: (filePath: string, source: { fromBinary: boolean }) => Promise<T>,
): Promise<T> {
  if (ctx.getNodeParameter('inputSource', itemIndex, 'path') !== 'binary') {
    return use(String(ctx.getNodeParameter(pathParameter, itemIndex)).trim(), { fromBinary: false });
  }
  const temp = await binaryToTempFile(ctx, itemIndex, String(ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data')));
  try {
    return await use(temp.filePath, { fromBinary: true });
  } finally {
    await temp.remove();
  }
}
