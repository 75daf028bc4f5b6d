import { describe, expect, it } from 'vitest';
import { classifyS3Error, describeS3Error } from '../../src/s3';
import { TransferIntegrityError } from '../../src/s3/s3-errors';
import { fromThreadError, toThreadError } from '../../src/s3/transfer-threads';

// What crosses back from a transfer thread is plain data; the error rebuilt from it must be retried, classified and
// described exactly as the original would have been in the calling thread.
const roundTrip = (error: unknown) => fromThreadError(structuredClone(toThreadError(error)));

describe('transfer thread errors', () => {
  const cases: Array<[string, unknown]> = [
    ['an S3 error document', Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 }, $fault: 'client' })],
    ['a failed precondition', Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } })],
    ['throttling', Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 }, $fault: 'server' })],
    ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', errno: -111 })],
    ['a full disk', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 })],
    ['a truncated body', new TransferIntegrityError('body was 10 bytes, listing said 20')],
    ['an abort', new DOMException('This operation was aborted', 'AbortError')],
    ['a wrapped network fault', Object.assign(new Error('request failed'), { cause: Object.assign(new Error('read ETIMEDOUT'), { code: 'ETIMEDOUT' }) })],
  ];

  it.each(cases)('keep the classification and description of %s', (_, error) => {
    const rebuilt = roundTrip(error);
    expect(classifyS3Error(rebuilt)).toBe(classifyS3Error(error));
    expect(describeS3Error(rebuilt)).toBe(describeS3Error(error));
  });

  it('keep the integrity class, code and status', () => {
    expect(roundTrip(new TransferIntegrityError('body MD5 does not match the ETag'))).toBeInstanceOf(TransferIntegrityError);
    expect(roundTrip(Object.assign(new Error('x'), { code: 'EACCES' }))).toMatchObject({ code: 'EACCES' });
    expect(roundTrip(Object.assign(new Error('x'), { code: 'EACCES' }))).not.toHaveProperty('$metadata');
    expect(roundTrip(Object.assign(new Error('x'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });
});
