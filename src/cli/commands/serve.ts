import { openStore } from '../../platform';
import { createPlatformServer } from '../../platform/server/create-server';
import { DEFAULT_WEB_DIST, registerWebApp } from '../../platform/server/web-app';
import { listApiTokens } from '../../platform/service/tokens';
import { action, CliError, EXIT_USAGE, type CommandModule } from '../program';

// 7878 is free of the well-known ports the other services use here (MinIO 9000, Temporal 7233, n8n 5678).
const DEFAULT_PORT = 7878;

interface ServeFlags {
  port: string;
  host: string;
  home?: string;
  databaseUrl?: string;
  publicUrl?: string;
  s3EndpointAllow: string[];
  trustProxy?: string;
  localDatasourceRoot?: string;
  datasourceS3Endpoint?: string;
  log?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];

/** `winnow serve`: the platform's REST API, OpenAPI document and web app until Ctrl-C. */
export const registerServeCommand: CommandModule = (program) => {
  program
    .command('serve')
    .description('Run the platform: Lightly-compatible REST API (/v1), /openapi.json and the web app (/).')
    .option('--port <port>', 'TCP port', String(DEFAULT_PORT))
    .option('--host <host>', 'interface to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--home <dir>', 'platform home folder (default: WINNOW_HOME or ~/.winnow)')
    .option('--database-url <url>', 'postgres://… to use PostgreSQL (default: WINNOW_DATABASE_URL, else SQLite in the home folder)')
    .option('--public-url <url>', 'base URL clients reach the server at, put into signed URLs (default: the listen address; set it behind a TLS proxy)')
    .option(
      '--s3-endpoint-allow <endpoint>',
      'S3 endpoint datasources may use besides AWS: host:port, URL or CIDR; repeatable (also WINNOW_S3_ENDPOINT_ALLOW, comma-separated)',
      collect,
      [],
    )
    .option('--trust-proxy <addresses>', "the TLS proxy's address(es), comma-separated: client addresses are then read from X-Forwarded-For")
    .option('--local-datasource-root <dir>', "folder LOCAL datasources (Lightly's set_local_config) may read under (also WINNOW_LOCAL_DATASOURCE_ROOT); unset: LOCAL is refused")
    .option('--datasource-s3-endpoint <url>', "S3-compatible endpoint (e.g. MinIO) for datasources set without s3Endpoint, as Lightly's set_s3_config does (also WINNOW_DATASOURCE_S3_ENDPOINT)")
    .option('--log', 'log every request (tokens are redacted)')
    .action(
      action(async (flags: ServeFlags) => {
        const port = Number(flags.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0–65535, got ${JSON.stringify(flags.port)}`, EXIT_USAGE);
        if (flags.publicUrl !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(flags.publicUrl)) {
          throw new CliError(`--public-url must be an origin such as https://winnow.example.com, got ${JSON.stringify(flags.publicUrl)}`, EXIT_USAGE);
        }
        // The datasource services read these two at use, like the other WINNOW_* settings.
        if (flags.localDatasourceRoot !== undefined) process.env.WINNOW_LOCAL_DATASOURCE_ROOT = flags.localDatasourceRoot;
        if (flags.datasourceS3Endpoint !== undefined) process.env.WINNOW_DATASOURCE_S3_ENDPOINT = flags.datasourceS3Endpoint;
        const store = await openStore({ home: flags.home, databaseUrl: flags.databaseUrl, s3EndpointAllow: flags.s3EndpointAllow });
        const app = createPlatformServer({
          store,
          home: store.home,
          logger: flags.log === true,
          publicUrl: flags.publicUrl,
          trustProxy: flags.trustProxy?.split(',').map((a) => a.trim()),
        });
        await registerWebApp(app, { distDir: DEFAULT_WEB_DIST });
        let address: string;
        try {
          address = await app.listen({ port, host: flags.host });
        } catch (error) {
          await store.close();
          throw error;
        }
        const tokens = (await listApiTokens(store)).filter((t) => t.revokedAt === null);
        process.stdout.write(
          [
            `Winnow platform listening on ${address} (${store.dialect}, home ${store.home})`,
            `  web app  ${address}/`,
            `  API      ${address}/v1/datasets   (Authorization: Bearer <token> or ?token=<token>)`,
            `  OpenAPI  ${address}/openapi.json`,
            tokens.length === 0
              ? `No API token yet. Create one with: npx winnow token create --home ${store.home}`
              : `${tokens.length} active API token(s); list them with: npx winnow token list --home ${store.home}`,
            'Press Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        process.stdout.write('Stopping (a running selection job finishes first)…\n');
        await app.close();
        await store.close();
      }),
    );
};
