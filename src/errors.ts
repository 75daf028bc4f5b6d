/** How every face treats one error code: the REST status, whether a retry may cure it, what the user should do next. */
export interface ErrorCodeInfo {
  /** HTTP status the REST server answers with. */
  readonly status: number;
  /** Default of `WinnowError.retryable`; Temporal makes `retryable: false` failures non-retryable. */
  readonly retryable: boolean;
  /** One sentence for the n8n error panel (and any other face that shows a next step). */
  readonly hint: string;
}

/**
 * Every error code, mapped ONCE to what each face needs: REST reads `status` (server/error-mapping.ts), Temporal
 * turns a non-retryable error into an `ApplicationFailure` of `type = code`, `nonRetryable: true`
 * (activities/failures.ts), n8n shows `hint` (nodes/shared/execute-items.ts).
 * To add a code, add one line here; the faces need no change.
 */
export const ERROR_CODES = {
  // Bad input or arguments: the same call fails again.
  INVALID_INPUT: { status: 400, retryable: false, hint: 'Fix the file at the position named in the message, then run the node again.' },
  INVALID_CONFIG: { status: 400, retryable: false, hint: 'Check the node parameters (or config field) named in the message.' },
  INVALID_EMBEDDINGS: { status: 400, retryable: false, hint: 'Fix the embeddings CSV at the line named in the message (Lightly format: filenames, embedding_0…, labels).' },
  INVALID_METADATA: { status: 400, retryable: false, hint: 'Fix the metadata JSON at the position named in the message.' },
  INVALID_MODEL_CONFIG: { status: 400, retryable: false, hint: 'Fix the model config field named in the message.' },
  INVALID_MODEL_RECORD: { status: 400, retryable: false, hint: 'The embeddings CSV\'s .model.json sidecar is damaged: embed again or delete the sidecar.' },
  MODEL_MISMATCH: { status: 400, retryable: false, hint: 'The embeddings were made by different models: embed both with the same model.' },
  INVALID_IMAGE: { status: 400, retryable: false, hint: 'The file is not a readable image; replace or remove it.' },
  INVALID_BITMASK: { status: 400, retryable: false, hint: 'The tag\'s bitmask does not match the dataset; create the tag again.' },
  INVALID_S3_URI: { status: 400, retryable: false, hint: 'Give an S3 location as s3://bucket/prefix.' },
  INVALID_S3_SETTINGS: { status: 400, retryable: false, hint: 'Check the S3 credential: both keys or neither, and an http(s) endpoint URL.' },
  INVALID_ENCODING: { status: 400, retryable: false, hint: 'Send JSON bodies as UTF-8.' },
  INVALID_JSON: { status: 400, retryable: false, hint: 'The request body is not valid JSON.' },
  BAD_REQUEST: { status: 400, retryable: false, hint: 'The request was malformed; check the parameters named in the message.' },
  UNSAFE_FILE_NAME: { status: 400, retryable: false, hint: 'Names must be relative paths inside their folder (no "..", absolute paths, backslashes or NUL).' },
  UNKNOWN_FILE_NAMES: { status: 400, retryable: false, hint: 'Some file names are not samples of the dataset: upload them first or remove them from the list.' },
  UNSUPPORTED_DATASOURCE: { status: 400, retryable: false, hint: 'Use an S3 or LOCAL datasource.' },
  NO_IMAGES: { status: 400, retryable: false, hint: 'The source holds no images: check the folder or S3 prefix.' },
  NO_EMBEDDINGS: { status: 400, retryable: false, hint: 'Embed the images and save the embeddings to the dataset first.' },
  S3_ENDPOINT_NOT_ALLOWED: { status: 400, retryable: false, hint: 'The S3 endpoint is not on the platform\'s allow list (winnow serve --s3-endpoint-allow).' },
  S3_ACCESS_DENIED: { status: 400, retryable: false, hint: 'Check the S3 credential (keys, region, endpoint) and that it may read this bucket.' },
  S3_NOT_FOUND: { status: 400, retryable: false, hint: 'Check the bucket name and prefix, and the custom endpoint of the S3 credential.' },
  STAGING_MISSING: { status: 400, retryable: false, hint: 'A staged file of this run is gone: run the run again from the sync step.' },
  STAGING_MISMATCH: { status: 400, retryable: false, hint: 'The staged files belong to another config: use a new run id, or the config the run started with.' },
  // Lookups, permissions, clashes.
  NOT_FOUND: { status: 404, retryable: false, hint: 'Check the id or name; it may belong to another dataset or have been deleted.' },
  NOT_SUPPORTED: { status: 404, retryable: false, hint: 'Winnow does not offer this endpoint.' },
  UNAUTHORIZED: { status: 401, retryable: false, hint: 'The platform rejected the API token: check the Winnow API credential.' },
  CONFLICT: { status: 409, retryable: false, hint: 'Something of that name already exists; choose another name or reuse the existing one.' },
  ALREADY_STARTED: { status: 409, retryable: false, hint: 'A run with this id is already running: wait for it or give another run id.' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, hint: 'The upload is over the server\'s limit; split it.' },
  TOO_MANY_FAILED_AUTHENTICATIONS: { status: 429, retryable: false, hint: 'Too many wrong tokens from this address: fix the credential and wait before retrying.' },
  // Faults of the environment or of a job.
  TRANSIENT: { status: 503, retryable: true, hint: 'A service was unreachable or busy; running the node again (or enabling Retry On Fail) may succeed.' },
  SYNC_INCOMPLETE: { status: 503, retryable: true, hint: 'Some objects could not be copied; running the step again resumes the sync.' },
  S3_REQUEST_FAILED: { status: 502, retryable: false, hint: 'S3 answered with an error named in the message; check the bucket and endpoint.' },
  JOB_FAILED: { status: 500, retryable: false, hint: 'The platform job failed for the reason in the message; fix it and start the job again.' },
  INTERNAL: { status: 500, retryable: false, hint: 'An unexpected error; the message and the server log say more.' },
} as const satisfies Record<string, ErrorCodeInfo>;

/** The error codes, as a union: every `WinnowError` carries one. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether a string from outside (a server response, a worker thread's message) is one of our codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The code a bare HTTP status stands for, when a response carries none of ours. */
export function errorCodeForStatus(status: number): ErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429 || status === 408 || status >= 500) return 'TRANSIENT';
  return 'BAD_REQUEST';
}

/**
 * Named engine errors. Each face translates them once, through `ERROR_CODES`: the CLI prints the message and exits 1
 * (2 for bad arguments), REST answers the code's status, n8n adds the code's hint, Temporal turns `retryable: false`
 * errors into non-retryable ApplicationFailures of `type = code`.
 * Messages never contain secrets.
 */
export class WinnowError extends Error {
  /** Stable machine-readable code, e.g. `INVALID_EMBEDDINGS`; used as the Temporal failure type and REST error code. */
  readonly code: ErrorCode;
  /** Whether retrying the same call can succeed (network faults yes, bad input no); defaults to the code's. */
  readonly retryable: boolean;

  constructor(message: string, options: { code: ErrorCode; retryable?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retryable = options.retryable ?? ERROR_CODES[options.code].retryable;
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
  constructor(location: FileLocation, problem: string, code: ErrorCode = 'INVALID_INPUT') {
    super(`${describeLocation(location)}: ${problem}`, { code });
    this.location = location;
  }
}

/** A configuration or argument that cannot be used (unknown strategy, n larger than the candidates, …). */
export class InvalidConfigError extends WinnowError {
  constructor(message: string, code: ErrorCode = 'INVALID_CONFIG') {
    super(message, { code });
  }
}

/** Something looked up by id or name that does not exist. REST maps it to 404. */
export class NotFoundError extends WinnowError {
  constructor(what: string, id: string, code: ErrorCode = 'NOT_FOUND') {
    super(`${what} ${JSON.stringify(id)} not found`, { code });
  }
}

/** A fault of the environment (network reset, 5xx, service restarting) that a retry may cure. */
export class TransientError extends WinnowError {
  constructor(message: string, cause?: unknown, code: ErrorCode = 'TRANSIENT') {
    super(message, { code, retryable: true, cause });
  }
}
