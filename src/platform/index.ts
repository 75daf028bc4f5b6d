/**
 * The Winnow platform: store (SQLite or PostgreSQL), the Lightly-compatible REST server (`winnow serve`) and a typed
 * client with two implementations over one interface (HTTP and embedded).
 */
export { openStore, defaultHome, type Store, type OpenStoreOptions } from './store/store';
export type { PlatformClient, CallOptions } from './client/platform-client';
export * from './schemas';
