import { parentPort, workerData } from 'node:worker_threads';
import { WinnowError } from '../../errors';
import { runRequest, type WorkerMessage, type WorkerRequest } from './off-thread';

/** Worker-thread entry: does one request (selection or PCA), posting progress, then the result or the error. */
const post = (message: WorkerMessage) => parentPort?.postMessage(message);
// Progress can fire per pick; a few messages a second are plenty for a job row.
let lastProgress = 0;
runRequest(workerData as WorkerRequest, (progress) => {
  const now = Date.now();
  if (now - lastProgress < 250) return;
  lastProgress = now;
  post({ type: 'progress', progress });
})
  .then((result) => post({ type: 'result', result }))
  .catch((error: unknown) =>
    post({ type: 'error', message: error instanceof Error ? error.message : String(error), code: error instanceof WinnowError ? error.code : 'INTERNAL' }),
  );
