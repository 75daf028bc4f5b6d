import { InvalidConfigError, InvalidInputError, NotFoundError, WinnowError, type FileLocation } from '../../errors';
import { ConflictError, PayloadTooLargeError, UnauthorizedError } from '../errors';

/** The JSON error body: `{ code, error }`, with `location` when the input names a file/field. */
export interface HttpError {
  status: number;
  body: { code: string; error: string; location?: FileLocation };
}

/**
 * The one place REST translates engine errors: not-found → 404, bad input/config → 400 naming the field,
 * no/invalid token → 401, name taken → 409, too large → 413, retryable faults → 503; anything else surfaces as 500.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof NotFoundError) return { status: 404, body: { code: error.code, error: error.message } };
  if (error instanceof UnauthorizedError) return { status: 401, body: { code: error.code, error: error.message } };
  if (error instanceof ConflictError) return { status: 409, body: { code: error.code, error: error.message } };
  if (error instanceof PayloadTooLargeError) return { status: 413, body: { code: error.code, error: error.message } };
  if (error instanceof InvalidInputError) return { status: 400, body: { code: error.code, error: error.message, location: error.location } };
  if (error instanceof InvalidConfigError) return { status: 400, body: { code: error.code, error: error.message } };
  if (error instanceof WinnowError) return { status: error.retryable ? 503 : 400, body: { code: error.code, error: error.message } };
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own client errors: malformed JSON, wrong content type, body over the limit.
    const code = e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.message?.includes('JSON') ? 'INVALID_JSON' : (e.code ?? 'BAD_REQUEST');
    return { status: e.statusCode, body: { code, error: `body: ${e.message ?? 'bad request'}` } };
  }
  return { status: 500, body: { code: 'INTERNAL', error: error instanceof Error ? error.message : String(error) } };
}
