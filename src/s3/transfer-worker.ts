import { parentPort, workerData } from 'node:worker_threads';
import { downloadObject } from './download-object';
import { ObjectReader } from './object-reader';
import { toThreadError, type FromTransferThread, type ThreadCredentials, type ToTransferThread, type TransferThreadSetup } from './transfer-threads';

/** Worker-thread entry of TransferThreads: downloads the objects it is sent, one reply per job. */
const setup = workerData as TransferThreadSetup;
let credentials: ThreadCredentials | undefined;
const reader = new ObjectReader(
  async () => {
    if (!credentials) throw Object.assign(new Error('no credentials were sent to the transfer thread'), { name: 'CredentialsProviderError' });
    return credentials;
  },
  setup.settings,
  setup.maxSockets,
);
// One signal for the thread: the main thread sends `abort` when the sync's own signal fires.
const aborter = new AbortController();
const knownDirs = new Set<string>();
const post = (message: FromTransferThread) => parentPort?.postMessage(message);

parentPort?.on('message', (message: ToTransferThread) => {
  if (message.type === 'abort') return aborter.abort();
  if (message.credentials) credentials = message.credentials;
  const { job, id } = message;
  downloadObject({
    reader,
    bucket: job.bucket,
    key: job.key,
    size: job.size,
    etag: job.etag,
    lastModified: new Date(job.lastModifiedMs),
    finalPath: job.finalPath,
    tempDir: job.tempDir,
    retry: job.retry,
    signal: aborter.signal,
    knownDirs,
    // This thread serves only transfers, so a blocking write costs no other work and saves the thread-pool hops.
    blockingWrites: true,
  }).then(
    (file) => post({ type: 'done', id, file }),
    (error: unknown) => post({ type: 'failed', id, error: toThreadError(error) }),
  );
});
