/**
 * The Winnow platform: store (SQLite or PostgreSQL), the Lightly-compatible REST server (`winnow serve`) and a typed
 * client with two implementations over one interface (HTTP and embedded).
 */
export { openStore, defaultHome, type Store, type OpenStoreOptions } from './store/store';
export { createPlatformServer, type PlatformServerOptions } from './server/create-server';
export type { PlatformClient, CallOptions } from './client/platform-client';
export { createHttpClient, type HttpClientOptions } from './client/http-client';
export { createEmbeddedClient, type EmbeddedClientOptions } from './client/embedded-client';
export { JobFailedError } from './client/wait-for-job';
export { paginate, collect } from './client/paginate';
export { findOrCreateDataset, findTag, sampleCreateRequests, tagFileNames, type IfTagExists } from './client/find';
export { datasetStorageDir } from './service/datasets';
export { connectPlatform, type ConnectPlatformOptions, type PlatformConnection } from './connect-platform';
export { createApiToken, listApiTokens, revokeApiToken, LOCAL_USER, type ApiTokenInfo } from './service/tokens';
export { ConflictError, UnauthorizedError, PayloadTooLargeError } from './errors';
export * from './schemas';
