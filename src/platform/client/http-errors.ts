import { InvalidConfigError, InvalidInputError, NotFoundError, TransientError, WinnowError, errorCodeForStatus, isErrorCode, type FileLocation } from '../../errors';
import { ConflictError, PayloadTooLargeError, UnauthorizedError } from '../errors';

/** The JSON error body the server sends: `{ code, error }`, plus `location` for bad input. */
export interface ErrorPayload {
  code?: string;
  error?: string;
  location?: FileLocation;
}

/**
 * Rebuilds the named engine error from a server response, so HTTP and embedded clients throw the same classes with
 * the same messages (the server's message is kept verbatim).
 */
export function errorFromResponse(status: number, payload: ErrorPayload): WinnowError {
  const message = payload.error ?? `HTTP ${status}`;
  // A code we do not know (another server, a proxy's page) stands for its status, so callers only ever see ours.
  const code = isErrorCode(payload.code) ? payload.code : errorCodeForStatus(status);
  let error: WinnowError;
  if (status === 404) error = new NotFoundError('', '', code);
  else if (status === 401) error = new UnauthorizedError(message, code);
  else if (status === 409) error = new ConflictError(message, code);
  else if (status === 413) error = new PayloadTooLargeError(message, code);
  else if (status === 400 && payload.location !== undefined) error = new InvalidInputError(payload.location, '', code);
  else if (status === 400 || status === 422) error = new InvalidConfigError(message, code);
  else if (status >= 500 || status === 429 || status === 408) error = new TransientError(message, undefined, code);
  else error = new WinnowError(message, { code });
  // The server's message verbatim: the classes that build their own (not found, bad input at a location) are given it.
  error.message = message;
  return error;
}
