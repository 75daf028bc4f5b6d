/**
 * Named engine errors. Each face translates them once: the CLI prints the message and exits 1 (2 for bad arguments),
 * REST maps `code` to an HTTP status, n8n wraps them in NodeOperationError, Temporal turns `retryable: false` errors
 * into non-retryable ApplicationFailures of `type = code`.
 * Messages never contain secrets.
 */
export class WinnowError extends Error {
  /** Stable machine-readable code, e.g. `INVALID_EMBEDDINGS`; used as the Temporal failure type and REST error code. */
  readonly code: string;
  /** Whether retrying the same call can succeed (network faults yes, bad input no). */
  readonly retryable: boolean;

  constructor(message: string, options: { code: string; retryable?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retryable = options.retryable ?? false;
  }
}

/** Where in a file a problem is: 1-based line and column (column may be a field name for JSON/CSV headers). */
export interface FileLocation {
  file: string;
  line?: number;
  column?: number | string;
}

function describeLocation(loc: FileLocation): string {
  let where = loc.file;
  if (loc.line !== undefined) where += `:${loc.line}`;
  if (typeof loc.column === 'number') where += `:${loc.column}`;
  if (typeof loc.column === 'string') where += ` (column "${loc.column}")`;
  return where;
}

/** Bad input data in a file (CSV, JSON, config): the message starts with `file:line:column`. */
export class InvalidInputError extends WinnowError {
  readonly location: FileLocation;
  constructor(location: FileLocation, problem: string, code = 'INVALID_INPUT') {
    super(`${describeLocation(location)}: ${problem}`, { code });
    this.location = location;
  }
}

/** A configuration or argument that cannot be used (unknown strategy, n larger than the candidates, …). */
export class InvalidConfigError extends WinnowError {
  constructor(message: string, code = 'INVALID_CONFIG') {
    super(message, { code });
  }
}

/** Something looked up by id or name that does not exist. REST maps it to 404. */
export class NotFoundError extends WinnowError {
  constructor(what: string, id: string, code = 'NOT_FOUND') {
    super(`${what} ${JSON.stringify(id)} not found`, { code });
  }
}

/** A fault of the environment (network reset, 5xx, service restarting) that a retry may cure. */
export class TransientError extends WinnowError {
  constructor(message: string, cause?: unknown, code = 'TRANSIENT') {
    super(message, { code, retryable: true, cause });
  }
}
