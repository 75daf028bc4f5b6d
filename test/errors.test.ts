import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toApplicationFailure } from '../activities/failures';
import { toNodeError } from '../nodes/shared/execute-items';
import { ERROR_CODES, InvalidInputError, TransientError, WinnowError, errorCodeForStatus, isErrorCode, type ErrorCode } from '../src/errors';
import { errorFromResponse } from '../src/platform/client/http-errors';
import { toHttpError } from '../src/platform/server/error-mapping';
import { createFakeContext } from './nodes/fake-context';

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('ERROR_CODES: one table, read by every face', () => {
  it.each(codes)('%s: REST status, Temporal failure and n8n hint come from its line', (code) => {
    const info = ERROR_CODES[code];
    const error = new WinnowError(`something about ${code}`, { code });
    expect(error.retryable).toBe(info.retryable);

    expect(toHttpError(error)).toEqual({ status: info.status, body: { code, error: error.message } });

    const failure = toApplicationFailure(error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: code, nonRetryable: !info.retryable, message: error.message });

    const { ctx } = createFakeContext({ parameters: {} });
    expect(toNodeError(ctx, error, 0)).toMatchObject({ message: error.message, description: info.hint });

    // The HTTP client rebuilds the same code from the server's answer.
    expect(errorFromResponse(info.status, { code, error: error.message })).toMatchObject({ code, message: error.message });
  });

  it('has a status and a one-sentence hint for every code', () => {
    for (const code of codes) {
      expect(ERROR_CODES[code].status, code).toBeGreaterThanOrEqual(400);
      expect(ERROR_CODES[code].hint, code).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('lets one error override its code\'s retryable default (a 5xx answered with a non-retryable code)', () => {
    expect(toApplicationFailure(new TransientError('busy', undefined, 'INTERNAL'))).toMatchObject({ type: 'INTERNAL', nonRetryable: false });
  });

  it('keeps the location of bad input in the REST body', () => {
    const error = new InvalidInputError({ file: 'meta.json', line: 3, column: 5 }, 'unknown image_id 7', 'INVALID_METADATA');
    expect(toHttpError(error)).toEqual({
      status: 400,
      body: { code: 'INVALID_METADATA', error: 'meta.json:3:5: unknown image_id 7', location: { file: 'meta.json', line: 3, column: 5 } },
    });
  });

  it('turns codes from outside into ours: known ones kept, unknown ones by status', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('HTTP_418')).toBe(false);
    expect(errorFromResponse(502, { code: 'BAD_GATEWAY', error: 'proxy down' })).toMatchObject({ code: 'TRANSIENT', retryable: true });
    expect(errorFromResponse(404, {})).toMatchObject({ code: 'NOT_FOUND', message: 'HTTP 404' });
    expect(errorCodeForStatus(418)).toBe('BAD_REQUEST');
    expect(toHttpError(new Error('boom'))).toEqual({ status: 500, body: { code: 'INTERNAL', error: 'boom' } });
  });
});
