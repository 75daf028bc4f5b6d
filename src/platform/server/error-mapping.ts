import { ERROR_CODES, InvalidInputError, WinnowError, type ErrorCode, type FileLocation } from '../../errors';

/** The JSON error body: `{ code, error }`, with `location` when the input names a file/field. */
export interface HttpError {
  status: number;
  body: { code: ErrorCode; error: string; location?: FileLocation };
}

/**
 * The one place REST translates errors: an engine error answers its code's status (`ERROR_CODES` in src/errors.ts:
 * not found → 404, bad input/config → 400 naming the field, no/invalid token → 401, name taken → 409, …);
 * Fastify's own client errors keep their 4xx; anything else surfaces as 500 INTERNAL.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof WinnowError) {
    const body: HttpError['body'] = { code: error.code, error: error.message };
    if (error instanceof InvalidInputError) body.location = error.location;
    return { status: ERROR_CODES[error.code].status, body };
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own client errors: malformed JSON, wrong content type, body over the limit.
    const code: ErrorCode = e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.message?.includes('JSON') ? 'INVALID_JSON' : 'BAD_REQUEST';
    return { status: e.statusCode, body: { code, error: `body: ${e.message ?? 'bad request'}` } };
  }
  return { status: 500, body: { code: 'INTERNAL', error: error instanceof Error ? error.message : String(error) } };
}
