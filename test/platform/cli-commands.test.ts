import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerServeCommand } from '../../src/cli/commands/serve';
import { registerTokenCommand } from '../../src/cli/commands/token';
import { createProgram, runProgram } from '../../src/cli/program';
import { tempHome } from './helpers';

/** Runs `winnow <args>` in-process with the serve and token commands, capturing what it prints. */
async function winnow(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  process.exitCode = 0;
  try {
    await runProgram(createProgram([registerServeCommand, registerTokenCommand], '0.0.0-test'), ['node', 'winnow', ...args]);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout: out.join(''), stderr: err.join(''), exitCode };
}

describe('winnow token', () => {
  let home: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ home, cleanup } = await tempHome());
  });
  afterEach(async () => {
    await cleanup();
  });

  it('creates a token shown once, lists it without the secret, and revokes it by prefix', async () => {
    const created = await winnow(['token', 'create', '--home', home, '--name', 'ci', '--json']);
    expect(created.exitCode).toBe(0);
    const { token, info } = JSON.parse(created.stdout) as { token: string; info: { id: string; prefix: string } };
    expect(token).toMatch(/^wnw_[A-Za-z0-9_-]{43}$/);
    const listed = await winnow(['token', 'list', '--home', home]);
    expect(listed.stdout).toContain(info.prefix);
    expect(listed.stdout).toContain('active');
    expect(listed.stdout).not.toContain(token);
    const revoked = await winnow(['token', 'revoke', info.prefix, '--home', home]);
    expect(revoked.stdout).toMatch(/Revoked token/);
    expect((await winnow(['token', 'list', '--home', home])).stdout).toMatch(/revoked \d{4}-/);
  });

  it('fails with exit code 1 and a clear message for an unknown token', async () => {
    const result = await winnow(['token', 'revoke', 'nope', '--home', home]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/API token "nope" not found/);
  });
});

describe('winnow serve', () => {
  it('serves the API on the given port until SIGTERM, with tokens made by `winnow token create`', async () => {
    const { home, cleanup } = await tempHome();
    try {
      const { token } = JSON.parse((await winnow(['token', 'create', '--home', home, '--json'])).stdout) as { token: string };
      const out: string[] = [];
      const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
      const running = runProgram(createProgram([registerServeCommand], '0.0.0-test'), ['node', 'winnow', 'serve', '--port', '0', '--home', home]);
      let url: string | undefined;
      for (let i = 0; i < 200 && url === undefined; i++) {
        url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.join(''))?.[1];
        if (url === undefined) await new Promise((r) => setTimeout(r, 25));
      }
      write.mockRestore();
      expect(url).toBeDefined();
      expect(out.join('')).toContain('1 active API token');
      expect((await fetch(`${url}/v1/datasets`)).status).toBe(401);
      const ok = await fetch(`${url}/v1/datasets`, { headers: { authorization: `Bearer ${token}` } });
      expect(await ok.json()).toEqual([]);
      const mute = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      process.emit('SIGTERM');
      await running;
      mute.mockRestore();
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      await cleanup();
    }
  });

  it('rejects a bad port as a usage error', async () => {
    const result = await winnow(['serve', '--port', 'eighty']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--port/);
  });
});
