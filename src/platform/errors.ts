import { WinnowError, type ErrorCode } from '../errors';

/** A name that must be unique (dataset, tag, sample fileName) is taken. REST maps it to 409. */
export class ConflictError extends WinnowError {
  constructor(message: string, code: ErrorCode = 'CONFLICT') {
    super(message, { code });
  }
}

/** Missing, unknown or revoked API token. REST maps it to 401; the message never echoes the token. */
export class UnauthorizedError extends WinnowError {
  constructor(message = 'a valid API token is required (Authorization: Bearer <token> or ?token=<token>)', code: ErrorCode = 'UNAUTHORIZED') {
    super(message, { code });
  }
}

/** A request body over its limit. REST maps it to 413. */
export class PayloadTooLargeError extends WinnowError {
  constructor(message: string, code: ErrorCode = 'PAYLOAD_TOO_LARGE') {
    super(message, { code });
  }
}
