import { describe, expect, it } from 'vitest';
import { NotFoundError, TransientError, WinnowError } from '../../src/errors';
import { backoffDelayMs, classifyS3Error, describeS3Error, toStepError, TransferIntegrityError, withS3Retry } from '../../src/s3/s3-errors';

const sdkError = (name: string, status: number, message = name) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const netError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9000`), { code });

describe('classifyS3Error', () => {
  it.each([
    [sdkError('SlowDown', 503), 'transient'],
    [sdkError('InternalError', 500), 'transient'],
    [sdkError('Whatever', 502), 'transient'],
    [sdkError('TooManyRequests', 429), 'transient'],
    [netError('ECONNRESET'), 'transient'],
    [netError('ECONNREFUSED'), 'transient'],
    [new TransferIntegrityError('short body'), 'transient'],
    [sdkError('AccessDenied', 403), 'denied'],
    [sdkError('InvalidAccessKeyId', 403), 'denied'],
    [sdkError('SignatureDoesNotMatch', 403), 'denied'],
    [sdkError('NoSuchBucket', 404), 'missing'],
    [sdkError('InvalidArgument', 400), 'permanent'],
    [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'aborted'],
  ])('%s → %s', (error, kind) => {
    expect(classifyS3Error(error)).toBe(kind);
  });
});

describe('withS3Retry', () => {
  it('retries transient faults, then succeeds', async () => {
    let calls = 0;
    const value = await withS3Retry(async () => {
      calls++;
      if (calls < 3) throw sdkError('SlowDown', 503);
      return 'ok';
    }, { baseDelayMs: 1 });
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('does not retry refused credentials', async () => {
    let calls = 0;
    await expect(withS3Retry(async () => {
      calls++;
      throw sdkError('InvalidAccessKeyId', 403);
    }, { baseDelayMs: 1 })).rejects.toThrow('InvalidAccessKeyId');
    expect(calls).toBe(1);
  });

  it('gives up after the configured attempts with the last error', async () => {
    let calls = 0;
    await expect(withS3Retry(async () => {
      calls++;
      throw netError('ECONNRESET');
    }, { attempts: 4, baseDelayMs: 1 })).rejects.toThrow('ECONNRESET');
    expect(calls).toBe(4);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    const started = Date.now();
    await expect(withS3Retry(async () => {
      throw netError('ECONNRESET');
    }, { baseDelayMs: 10_000, signal: controller.signal })).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially with jitter inside [ceiling/2, ceiling] and stops at the cap', () => {
    for (let retry = 0; retry < 10; retry++) {
      const ceiling = Math.min(8_000, 250 * 2 ** retry);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelayMs(retry);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
  });
});

describe('toStepError', () => {
  it('maps faults to the engine errors Temporal and the CLI understand', () => {
    const transient = toStepError(netError('ECONNREFUSED'), 'listing', 's3://b/ at http://127.0.0.1:1');
    expect(transient).toBeInstanceOf(TransientError);
    expect((transient as WinnowError).retryable).toBe(true);
    const denied = toStepError(sdkError('SignatureDoesNotMatch', 403), 'listing', 's3://b/');
    expect(denied).toBeInstanceOf(WinnowError);
    expect((denied as WinnowError).retryable).toBe(false);
    expect((denied as WinnowError).code).toBe('S3_ACCESS_DENIED');
    expect(toStepError(sdkError('NoSuchBucket', 404), 'listing', 's3://b/', 'b')).toBeInstanceOf(NotFoundError);
  });

  it('cuts signatures and credentials out of messages', () => {
    const text = describeS3Error(sdkError('AccessDenied', 403, 'denied for X-Amz-Signature=abcdef0123 Credential=AKIA/2026/us-east-1'));
    expect(text).not.toContain('abcdef0123');
    expect(text).not.toContain('AKIA/');
  });
});
