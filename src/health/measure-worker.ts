import { parentPort } from 'node:worker_threads';
import { measureImage, type MeasureInput } from './measures';
import type { MeasureReply } from './off-thread-measures';

/** Worker-thread entry of openMeasurer: measures each image it is sent and answers with the request's id. */
parentPort?.on('message', ({ id, input }: { id: number; input: MeasureInput }) => {
  let reply: MeasureReply;
  try {
    reply = { id, measures: measureImage(input) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
