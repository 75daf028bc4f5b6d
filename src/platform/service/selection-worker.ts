import { parentPort, workerData } from 'node:worker_threads';
import { WinnowError } from '../../errors';
import { runSelectionTask, type SelectionTask, type WorkerMessage } from './selection-task';

/** Worker-thread entry: runs one selection task and posts progress, then the result or the error. */
const post = (message: WorkerMessage) => parentPort?.postMessage(message);
// Progress can fire per pick; a few messages a second are plenty for a job row.
let lastProgress = 0;
runSelectionTask(workerData as SelectionTask, (progress) => {
  const now = Date.now();
  if (now - lastProgress < 250) return;
  lastProgress = now;
  post({ type: 'progress', progress });
})
  .then((result) => post({ type: 'result', result }))
  .catch((error: unknown) =>
    post({ type: 'error', message: error instanceof Error ? error.message : String(error), code: error instanceof WinnowError ? error.code : 'INTERNAL' }),
  );
