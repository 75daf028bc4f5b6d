import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Makes sure the real services (MinIO, Temporal dev server) are running before any test file starts,
 * and hands their addresses to the test processes through the environment.
 * `scripts/services.sh up` is idempotent: it returns at once when they already run.
 */
export default function setup(): void {
  const script = path.join(__dirname, '..', 'scripts', 'services.sh');
  const out = execFileSync('bash', [script, 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of out.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
  }
}
