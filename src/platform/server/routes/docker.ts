import type { FastifyInstance } from 'fastify';

/**
 * Lightly's worker API (`/v1/docker/*`: worker registration, configs, scheduled runs) has no Winnow counterpart:
 * Winnow runs its pipelines itself. Lightly's client shows this 404's message to the user, so it says what to use.
 */
export const DOCKER_UNSUPPORTED =
  "Winnow does not run Lightly Workers (/v1/docker/*): it runs pipelines itself — `winnow run <pipeline.yaml>`, the Temporal worker (`winnow worker`) or the Winnow n8n nodes";

export function registerDockerRoutes(api: FastifyInstance): void {
  const reply404 = async (_request: unknown, reply: { status(code: number): { send(body: unknown): unknown } }) =>
    reply.status(404).send({ code: 'NOT_SUPPORTED', error: DOCKER_UNSUPPORTED });
  for (const url of ['/v1/docker', '/v1/docker/*', '/v1/datasets/:datasetId/docker/*']) {
    api.all(url, { config: { public: true }, schema: { hide: true } }, reply404);
  }
}
