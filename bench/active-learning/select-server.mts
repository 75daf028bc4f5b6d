/**
 * The selection half of bench/active-learning, as a long-lived process so the embeddings CSV is parsed once per
 * dataset: reads one JSON request per stdin line, `{ config, preselected, predictions? }`, reads the Lightly-format
 * predictions folder with Winnow's reader (readPredictions → scoresByFileName / predictionValues), runs Winnow's
 * selection engine and answers `{ selected }` (or `{ error }`) on one stdout line.
 *
 *   node bench/active-learning/select-server.mts --embeddings emb.csv      (runs the built engine in dist/)
 */
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const load = createRequire(import.meta.url);
const select = load('../../dist/src/select/index.js') as typeof import('../../src/select/index');
const embeddings = load('../../dist/src/embeddings/index.js') as typeof import('../../src/embeddings/index');
const predictions = load('../../dist/src/predictions/index.js') as typeof import('../../src/predictions/index');

const i = process.argv.indexOf('--embeddings');
if (i < 0) throw new Error('--embeddings is required');
const csv = process.argv[i + 1];
const matrix = await embeddings.loadEmbeddingMatrix(csv);
process.stdout.write(`${JSON.stringify({ ready: matrix.fileNames.length })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  try {
    const request = JSON.parse(line) as { config: Record<string, unknown>; preselected?: string[]; predictions?: string };
    let scores;
    let values;
    if (request.predictions !== undefined) {
      const read = await predictions.readPredictions(predictions.localDatasource(request.predictions));
      if (read.problems.length > 0) throw new Error(`${read.problems.length} prediction files skipped, first: ${read.problems[0].message}`);
      scores = predictions.scoresByFileName(read.tasks);
      values = predictions.predictionValues(read.tasks);
    }
    const result = await select.selectSamples({
      embeddings: matrix,
      scores,
      predictions: values,
      config: select.parseSelectionConfig(request.config),
      preselected: request.preselected,
      source: csv,
    });
    process.stdout.write(`${JSON.stringify({ selected: result.selected })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
  }
}
