import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toApplicationFailure, withFailureMapping } from '../../activities/failures';
import { InvalidInputError, NotFoundError, TransientError, WinnowError } from '../../src/errors';

describe('toApplicationFailure', () => {
  it('makes bad input non-retryable, typed by the error code, with the engine message', () => {
    const failure = toApplicationFailure(new InvalidInputError({ file: 'meta.json', line: 3, column: 5 }, 'unknown image_id 7', 'INVALID_METADATA'));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'INVALID_METADATA', nonRetryable: true, message: 'meta.json:3:5: unknown image_id 7' });
    expect(toApplicationFailure(new NotFoundError('dataset', 'cats'))).toMatchObject({ type: 'NOT_FOUND', nonRetryable: true });
  });

  it('keeps transient faults retryable and their cause', () => {
    const cause = new Error('ECONNRESET');
    const failure = toApplicationFailure(new TransientError('S3 unreachable', cause)) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'TRANSIENT', nonRetryable: false });
    expect(failure.cause).toBe(cause);
    expect(toApplicationFailure(new WinnowError('x', { code: 'SYNC_INCOMPLETE', retryable: true }))).toMatchObject({ nonRetryable: false });
  });

  it('leaves foreign errors alone, so Temporal retries them', () => {
    const error = new TypeError('socket hang up');
    expect(toApplicationFailure(error)).toBe(error);
  });
});

describe('withFailureMapping', () => {
  it('translates what an activity throws and keeps its name', async () => {
    async function uploadMetadata(): Promise<never> {
      throw new InvalidInputError({ file: 'm.json', line: 1 }, 'bad', 'INVALID_METADATA');
    }
    const wrapped = withFailureMapping(uploadMetadata);
    expect(wrapped.name).toBe('uploadMetadata');
    await expect(new MockActivityEnvironment().run(wrapped)).rejects.toMatchObject({ type: 'INVALID_METADATA', nonRetryable: true });
  });
});
