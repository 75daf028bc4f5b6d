import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Makes sure the real services (MinIO, Temporal dev server) are running before any test file starts,
 * and hands their addresses to the test processes through the environment.
 * `scripts/services.sh up` is idempotent: it returns at once when they already run.
 */
export default function setup(): void {
  const root = path.join(__dirname, '..');
  // CLI and n8n tests run the built package (dist/); build it once here rather than in each test file.
  // .ci/run has just built it and sets WINNOW_TEST_SKIP_BUILD.
  if (!process.env.WINNOW_TEST_SKIP_BUILD) {
    try {
      execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    } catch {
      // tsc still emits JavaScript on type errors; those are `npm run lint`'s to report, not a reason to run no test.
      process.stderr.write('global-setup: tsc reported type errors (see above); testing the emitted build anyway\n');
    }
    execFileSync(process.execPath, [path.join(root, 'scripts', 'copy-assets.mjs')], { cwd: root, stdio: 'inherit' });
  }
  const script = path.join(__dirname, '..', 'scripts', 'services.sh');
  const out = execFileSync('bash', [script, 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of out.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
  }
}
