import { parentPort, workerData } from 'node:worker_threads';
import { downloadObject } from './download-object';
import { ObjectTransport } from './object-transport';
import { uploadSmallFile } from './upload-object';
import { toThreadError, type FromTransferThread, type ThreadCredentials, type ToTransferThread, type TransferThreadSetup } from './transfer-threads';

/** Worker-thread entry of TransferThreads: downloads and uploads what it is sent, one reply per job. */
const setup = workerData as TransferThreadSetup;
let credentials: ThreadCredentials | undefined;
const transport = new ObjectTransport(
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
  const { id } = message;
  run(message).then(
    (value) => post({ type: 'done', id, value }),
    (error: unknown) => post({ type: 'failed', id, error: toThreadError(error) }),
  );
});

function run(message: Extract<ToTransferThread, { id: number }>): Promise<unknown> {
  if (message.type === 'upload') {
    const { job } = message;
    return uploadSmallFile({ transport, bucket: job.bucket, key: job.key, file: job.file, contentType: job.contentType, retry: job.retry, signal: aborter.signal, blockingReads: true });
  }
  const { job } = message;
  return downloadObject({
    transport,
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
  });
}
