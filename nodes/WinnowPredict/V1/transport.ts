import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { uploadPredictions } from '../../../src/platform/prediction-upload';
import { localDatasource, readPredictions } from '../../../src/predictions';
import { logProgress } from '../../shared/progress-log';
import { withPlatformClient } from '../../shared/platform';

// Enough named files to see the pattern; the full counts are in `skipped` and `problems`.
const FILES_SHOWN = 20;

/**
 * Loaded on first use, not at import: prediction runs the ONNX model (onnxruntime-node and sharp, native parts that
 * may be missing on an n8n host), and n8n must still load the package's other nodes there.
 */
const loadPredictEngine = () => import('../../../src/predictions/predict-images.js');

/**
 * Predicts one item's image folder into Lightly-format files (`<out>/.lightly/predictions/<task>/…`) and, when asked,
 * stores them on a dataset. The item gets paths and counts; a bad prediction file is named in `problemFiles` and
 * every other one is stored.
 */
export async function predictFolder(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const imageFolder = String(ctx.getNodeParameter('imageFolder', itemIndex)).trim();
  const task = String(ctx.getNodeParameter('task', itemIndex)).trim();
  const model = String(ctx.getNodeParameter('model', itemIndex, 'default') ?? '').trim();
  const modelConfig = String(ctx.getNodeParameter('modelConfig', itemIndex, '') ?? '').trim();
  const outputFolder = String(ctx.getNodeParameter('outputFolder', itemIndex, '') ?? '').trim() || imageFolder;
  const signal = ctx.getExecutionCancelSignal?.();
  const warnings: string[] = [];
  const { predictImages } = await loadPredictEngine();
  const result = await predictImages({
    inputDir: imageFolder,
    outDir: outputFolder,
    task,
    ...(model === '' || model === 'default' ? {} : { model }),
    ...(modelConfig === '' ? {} : { predictorConfig: modelConfig }),
    onProgress: logProgress(ctx, `predict ${imageFolder}`),
    onWarning: (message) => {
      warnings.push(message);
      ctx.logger.warn(message);
    },
    signal,
  });
  const output: IDataObject = {
    imageFolder,
    predictionsDir: result.predictionsDir,
    task: result.task,
    taskType: result.taskType,
    modelId: result.modelId,
    categories: result.categories,
    predicted: result.predicted,
    ...(result.objects === undefined ? {} : { objects: result.objects }),
    skipped: result.skipped.length,
    seconds: result.seconds,
  };
  if (result.skipped.length > 0) output.skippedFiles = result.skipped.slice(0, FILES_SHOWN) as unknown as IDataObject[];
  if (warnings.length > 0) output.warnings = warnings;
  if (ctx.getNodeParameter('storeOnPlatform', itemIndex, false)) {
    const datasetId = String(ctx.getNodeParameter('datasetId', itemIndex)).trim();
    const read = await readPredictions(localDatasource(outputFolder), { tasks: [task], signal });
    const stored = await withPlatformClient(ctx, (client) => uploadPredictions(client, datasetId, read.tasks));
    const problems = [...read.problems, ...stored.problems];
    output.datasetId = datasetId;
    output.stored = stored.tasks.find((t) => t.name === task)?.stored ?? 0;
    output.scores = stored.tasks.find((t) => t.name === task)?.scores ?? [];
    output.problems = problems.length;
    if (problems.length > 0) output.problemFiles = problems.slice(0, FILES_SHOWN) as unknown as IDataObject[];
  }
  return output;
}
