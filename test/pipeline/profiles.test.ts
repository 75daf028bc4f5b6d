import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../src/errors';
import { resolveCredentialProfile, resolveS3Credentials } from '../../src/pipeline/profiles';

function secretsFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'winnow-secrets-')), 'secrets.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('resolveCredentialProfile', () => {
  it('reads WINNOW_PROFILE_<NAME>_* from the environment', () => {
    const env = {
      WINNOW_PROFILE_NIGHTLY_S3_ACCESS_KEY_ID: 'AK',
      WINNOW_PROFILE_NIGHTLY_S3_SECRET_ACCESS_KEY: 'SK',
      WINNOW_PROFILE_NIGHTLY_S3_ENDPOINT: 'http://127.0.0.1:9000',
      WINNOW_PROFILE_NIGHTLY_PLATFORM_TOKEN: 'tok',
    };
    expect(resolveCredentialProfile('nightly', { env })).toEqual({
      name: 'nightly',
      s3: { accessKeyId: 'AK', secretAccessKey: 'SK', endpoint: 'http://127.0.0.1:9000' },
      platform: { token: 'tok' },
    });
  });

  it('reads the secrets file, env overriding it field by field', () => {
    const file = secretsFile({ profiles: { lake: { s3: { accessKeyId: 'fileAK', secretAccessKey: 'fileSK', region: 'eu-west-1' } } } });
    const env = { WINNOW_SECRETS_FILE: file, WINNOW_PROFILE_LAKE_S3_SECRET_ACCESS_KEY: 'envSK' };
    expect(resolveS3Credentials('lake', { env })).toEqual({ accessKeyId: 'fileAK', secretAccessKey: 'envSK', region: 'eu-west-1' });
  });

  it('falls back to WINNOW_S3_* for the default profile only', () => {
    const env = { WINNOW_S3_ACCESS_KEY_ID: 'AK', WINNOW_S3_SECRET_ACCESS_KEY: 'SK', WINNOW_S3_ENDPOINT: 'http://minio' };
    expect(resolveS3Credentials('default', { env })).toMatchObject({ accessKeyId: 'AK', endpoint: 'http://minio' });
    expect(() => resolveCredentialProfile('other', { env })).toThrow(InvalidConfigError);
  });

  it('explains how to define a missing profile, without echoing any secret', () => {
    const env = { WINNOW_PROFILE_X_S3_SECRET_ACCESS_KEY: 'super-secret-value' };
    expect(() => resolveCredentialProfile('missing', { env })).toThrow(/WINNOW_PROFILE_MISSING_S3_ACCESS_KEY_ID/);
    try {
      resolveCredentialProfile('x', { env });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/half of its S3 key pair/);
      expect((error as Error).message).not.toContain('super-secret-value');
    }
  });

  it('names a broken secrets file without printing its content', () => {
    const file = secretsFile('{"profiles": {"a": {"s3": {"secretAccessKey": "leak-me"');
    try {
      resolveCredentialProfile('a', { env: { WINNOW_SECRETS_FILE: file } });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe(`cannot read secrets file ${file}: not valid JSON`);
    }
  });
});
