import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { localDatasource } from '../../../src/predictions/read-predictions';
import { nodeStepIO } from '../../shared/step-io';

// Enough named files to see the pattern; the full counts are in `skipped` and `problems`.
const FILES_SHOWN = 20;

/**
 * Loaded on first use, not at import: the predictions step runs the ONNX model (onnxruntime-node and sharp, native
 * parts that may be missing on an n8n host), and n8n must still load the package's other nodes there.
 */
const loadPredictionsStep = () => import('../../../src/pipeline/steps/predictions.js');

/**
 * The predictions step on one item's image folder: the model half (`predictFolder`) writes Lightly-format files into
 * `<out>/.lightly/predictions/<task>/…`; with Store on Platform the platform half (`storePredictions`) stores them on
 * the dataset. The item gets paths and counts.
 */
export async function predictFolder(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const imageFolder = String(ctx.getNodeParameter('imageFolder', itemIndex)).trim();
  const task = String(ctx.getNodeParameter('task', itemIndex)).trim();
  const model = String(ctx.getNodeParameter('model', itemIndex, 'default') ?? '').trim();
  const modelConfig = String(ctx.getNodeParameter('modelConfig', itemIndex, '') ?? '').trim();
  const outputFolder = String(ctx.getNodeParameter('outputFolder', itemIndex, '') ?? '').trim() || imageFolder;
  const { io, warnings } = nodeStepIO(ctx, `predict ${imageFolder}`);
  const step = await loadPredictionsStep();
  const result = await step.predictFolder(io, {
    inputDir: imageFolder,
    outDir: outputFolder,
    task,
    ...(model === '' ? {} : { model }),
    ...(modelConfig === '' ? {} : { modelConfig }),
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
  if (warnings.length > 0) output.warnings = [...warnings];
  if (ctx.getNodeParameter('storeOnPlatform', itemIndex, false)) {
    const datasetId = String(ctx.getNodeParameter('datasetId', itemIndex)).trim();
    const stored = await step.storePredictions(io, datasetId, { datasource: localDatasource(outputFolder), localRoot: outputFolder, tasks: [task] });
    const storedTask = stored.tasks.find((t) => t.name === task);
    output.datasetId = datasetId;
    output.stored = storedTask?.stored ?? 0;
    output.scores = storedTask?.scores ?? [];
    output.problems = stored.problems;
    if (stored.problems > 0) output.problemFiles = stored.problemList.slice(0, FILES_SHOWN) as unknown as IDataObject[];
  }
  return output;
}
