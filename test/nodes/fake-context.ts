import type {
  IBinaryData,
  ICredentialDataDecryptedObject,
  IDataObject,
  IExecuteFunctions,
  IHttpRequestOptions,
  INode,
  INodeExecutionData,
  INodeType,
} from 'n8n-workflow';

/**
 * A typed stand-in for the n8n execution context, enough to run a node's `execute` the way n8n does: parameters per
 * item (already expression-resolved), credentials, continueOnFail, binary data, and HTTP that really goes out (to a
 * local server) with the credential's generic `authenticate` applied, as n8n's httpRequestWithAuthentication does.
 */
export interface FakeContextOptions {
  /** Input items; defaults to one empty item. */
  items?: INodeExecutionData[];
  /** Parameters for every item, or a function of (name, itemIndex) for per-item values. */
  parameters: Record<string, unknown> | ((name: string, itemIndex: number) => unknown);
  credentials?: Record<string, ICredentialDataDecryptedObject>;
  continueOnFail?: boolean;
  node?: Partial<INode>;
  /** Applies a credential to a request, like the credential class's `authenticate`. */
  authenticate?: (type: string, credentials: ICredentialDataDecryptedObject, options: IHttpRequestOptions) => Promise<IHttpRequestOptions>;
}

export interface FakeContext {
  ctx: IExecuteFunctions;
  /** Every HTTP request the node made, after authentication. */
  requests: IHttpRequestOptions[];
  logs: string[];
}

function lookup(source: Record<string, unknown>, name: string): unknown {
  // n8n accepts dotted names for fields inside collections (`options.limit`).
  let value: unknown = source;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

async function sendHttp(options: IHttpRequestOptions): Promise<unknown> {
  const base = String(options.baseURL ?? '').replace(/\/+$/, '');
  const url = new URL(/^https?:\/\//.test(options.url) ? options.url : `${base}/${options.url.replace(/^\/+/, '')}`);
  for (const [key, value] of Object.entries(options.qs ?? {})) {
    if (value !== undefined) url.searchParams.append(key, String(value));
  }
  const headers = new Headers(options.headers as Record<string, string> | undefined);
  headers.delete('host');
  let body: string | undefined;
  if (options.body !== undefined && options.body !== null && options.method !== 'GET') {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const response = await fetch(url, { method: options.method ?? 'GET', headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  if (!response.ok && !options.ignoreHttpStatusErrors) {
    // The shape n8n's request helper throws (axios-like), which NodeApiError understands.
    const error = new Error(`Request failed with status code ${response.status}`) as Error & IDataObject;
    error.httpCode = String(response.status);
    error.response = { status: response.status, data: parsed as IDataObject };
    throw error;
  }
  if (options.returnFullResponse) return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: parsed };
  return parsed;
}

/** The generic `authenticate` of WinnowApi, applied the way n8n resolves `={{$credentials.x}}` templates. */
export async function applyGenericAuth(
  _type: string,
  credentials: ICredentialDataDecryptedObject,
  options: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
  return { ...options, headers: { ...options.headers, Authorization: `Bearer ${String(credentials.apiToken)}` } };
}

export function createFakeContext(options: FakeContextOptions): FakeContext {
  const items: INodeExecutionData[] = options.items ?? [{ json: {} }];
  const requests: IHttpRequestOptions[] = [];
  const logs: string[] = [];
  const node: INode = {
    id: 'node-under-test',
    name: 'Node Under Test',
    type: 'n8n-nodes-winnow.test',
    typeVersion: 1,
    position: [0, 0],
    parameters: {},
    ...options.node,
  };
  const parameter = (name: string, itemIndex: number): unknown =>
    typeof options.parameters === 'function' ? options.parameters(name, itemIndex) : lookup(options.parameters, name);
  const authenticate = options.authenticate ?? applyGenericAuth;

  const ctx = {
    getInputData: () => items,
    getNode: () => node,
    continueOnFail: () => options.continueOnFail ?? false,
    getExecutionCancelSignal: () => undefined,
    getNodeParameter(name: string, itemIndex: number, fallback?: unknown) {
      const value = parameter(name, itemIndex);
      if (value !== undefined) return value;
      if (fallback !== undefined) return fallback;
      throw new Error(`Could not get parameter "${name}"`);
    },
    async getCredentials(type: string) {
      const credentials = options.credentials?.[type];
      if (!credentials) throw new Error(`Node does not have credentials of type "${type}"`);
      return credentials;
    },
    logger: {
      info: (message: string) => logs.push(message),
      debug: (message: string) => logs.push(message),
      warn: (message: string) => logs.push(message),
      error: (message: string) => logs.push(message),
    },
    helpers: {
      async httpRequestWithAuthentication(type: string, request: IHttpRequestOptions) {
        const credentials = options.credentials?.[type];
        if (!credentials) throw new Error(`Node does not have credentials of type "${type}"`);
        const authenticated = await authenticate(type, credentials, request);
        requests.push(authenticated);
        return sendHttp(authenticated);
      },
      async httpRequest(request: IHttpRequestOptions) {
        requests.push(request);
        return sendHttp(request);
      },
      assertBinaryData(itemIndex: number, propertyName: string): IBinaryData {
        const binary = items[itemIndex]?.binary?.[propertyName];
        if (!binary) throw new Error(`This operation expects the node's input data to contain a binary file '${propertyName}'`);
        return binary;
      },
      async getBinaryDataBuffer(itemIndex: number, propertyName: string) {
        const binary = items[itemIndex]?.binary?.[propertyName];
        if (!binary) throw new Error(`No binary property '${propertyName}'`);
        return Buffer.from(binary.data, 'base64');
      },
      async prepareBinaryData(buffer: Buffer, fileName?: string, mimeType?: string): Promise<IBinaryData> {
        return { data: buffer.toString('base64'), fileName, mimeType: mimeType ?? 'application/octet-stream' };
      },
    },
  };
  return { ctx: ctx as unknown as IExecuteFunctions, requests, logs };
}

/** Makes a binary item the way a Read File node would hand it over. */
export function binaryItem(content: string | Buffer, fileName: string, mimeType: string, json: IDataObject = {}): INodeExecutionData {
  const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  return { json, binary: { data: { data: data.toString('base64'), fileName, mimeType } } };
}

/** Runs a node version's `execute` in a fake context and returns its first (only) output. */
export async function executeNode(node: INodeType, options: FakeContextOptions): Promise<INodeExecutionData[]> {
  if (!node.execute) throw new Error('node has no execute()');
  const output = (await node.execute.call(createFakeContext(options).ctx)) as INodeExecutionData[][];
  return output[0];
}
