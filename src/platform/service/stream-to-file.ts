import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PayloadTooLargeError } from '../errors';

/**
 * Streams an uploaded body into `target` without holding it in memory, refusing more than `maxBytes` (413, naming the
 * limit); on any failure the partial file is removed. → the bytes written
 *
 * @example
 * await streamToFile(request.body, '/var/winnow/storage/ds/upload-1.csv', ctx.maxCsvBytes, 'the CSV') // → 52428800
 */
export async function streamToFile(body: Readable, target: string, maxBytes: number, what: string): Promise<number> {
  let bytes = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(new PayloadTooLargeError(`${what} is larger than the ${maxBytes}-byte limit`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(body, guard, createWriteStream(target));
  } catch (error) {
    await rm(target, { force: true });
    throw error;
  }
  return bytes;
}
