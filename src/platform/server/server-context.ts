import type { FastifyRequest } from 'fastify';
import type { UserScope } from '../service/datasets';
import type { JobRunner } from '../service/selection';
import type { Store } from '../store/store';

/** What every route module gets. */
export interface ServerContext {
  store: Store;
  runner: JobRunner;
  maxCsvBytes: number;
  /** The caller as a user scope (set by the auth hook). */
  scope(request: FastifyRequest): UserScope;
  /** Base URL for URLs the server hands out. */
  baseUrl(request: FastifyRequest): string;
}

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
  }
  interface FastifyContextConfig {
    /** Routes reachable without a token (health, OpenAPI, signed uploads). */
    public?: boolean;
  }
}
