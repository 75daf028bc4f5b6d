import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { escapeForTerminal } from '../../src/cli/terminal-text';
import { InvalidInputError } from '../../src/errors';
import { redactUrl } from '../../src/platform/server/create-server';
import { FailedAuthLimiter, hideServerPaths } from '../../src/platform/server/hardening';
import { checkNumberTexts } from '../../src/platform/server/validation';
import { refuseControlCharactersInNames } from '../../src/platform/validate';
import { assertS3EndpointAllowed, s3EndpointPolicy } from '../../src/s3/endpoint-policy';
import { createS3Client } from '../../src/s3/s3-settings';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { assertSafeFileName, pathInsideFolder, unsafeFileNameReason } from '../../src/safe-names';
import { decodeUtf8Strict, firstInvalidUtf8Offset } from '../../src/utf8';

describe('unsafeFileNameReason: the one check for names that become paths', () => {
  it.each([
    ['../outside/private.png', '".."'],
    ['a/../../b.png', '".."'],
    ['/etc/passwd', 'absolute'],
    ['C:/Windows/win.ini', 'drive letter'],
    ['a\0.png', 'NUL'],
    ['a\\..\\b.png', 'backslash'],
    ['', 'empty'],
  ])('refuses %j (%s)', (name, reason) => {
    expect(unsafeFileNameReason(name)).toContain(reason);
    expect(() => assertSafeFileName(name, { file: 'e.csv', line: 2, column: 'filenames' })).toThrow(InvalidInputError);
  });

  it('accepts relative names, dots inside names included', () => {
    for (const name of ['a.png', 'cows/cow-001.jpg', '..a.png', 'a..b/c.png', 'über/ünï.png']) expect(unsafeFileNameReason(name)).toBeUndefined();
    expect(pathInsideFolder('/data/in', 'cows/a.jpg', { file: 'x' })).toBe('/data/in/cows/a.jpg');
  });
});

describe('strict UTF-8', () => {
  it('names the byte offset of the first invalid byte', () => {
    expect(firstInvalidUtf8Offset(Buffer.from('héllo'))).toBe(-1);
    expect(firstInvalidUtf8Offset(Buffer.from([0x61, 0x62, 0xff, 0x63]))).toBe(2);
    expect(firstInvalidUtf8Offset(Buffer.from([0x61, 0xc3]))).toBe(1); // truncated sequence
    expect(firstInvalidUtf8Offset(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // a surrogate
    expect(firstInvalidUtf8Offset(Buffer.from([0xc0, 0xaf]))).toBe(0); // overlong "/"
    expect(() => decodeUtf8Strict(Buffer.from('{"a":"\xe9"}', 'latin1'), 'meta.json')).toThrow(/meta\.json.*byte offset 6/);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{}', 'utf16le')]);
    expect(() => decodeUtf8Strict(utf16, 'meta.json')).toThrow(/byte offset 0 .*UTF-16/);
  });
});

describe('escapeForTerminal', () => {
  it('shows every control character as an escape', () => {
    const hostile = 'x\u001b[2K\r\u001b[32mADMIN TOKEN OK\u001b[0m';
    const shown = escapeForTerminal(hostile);
    expect(shown).toBe('x\\x1b[2K\\r\\x1b[32mADMIN TOKEN OK\\x1b[0m');
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/); // eslint-disable-line no-control-regex -- the point
    expect(escapeForTerminal('line 1\nline 2\u009b', { multiline: true })).toBe('line 1\nline 2\\x9b');
  });
});

describe('control characters in names are refused with the field named', () => {
  it('refuses name fields, keeps free text', () => {
    expect(() => refuseControlCharactersInNames({ name: 'ok\u001b[2K' })).toThrow(/body \(column "name"\): contains the control character U\+001B/);
    expect(() => refuseControlCharactersInNames({ samples: [{ fileName: 'a\rb.png' }] })).toThrow(/samples\[0\]\.fileName/);
    expect(() => refuseControlCharactersInNames({ tag: 'x\n' }, 'query')).toThrow(/query \(column "tag"\)/);
    expect(() => refuseControlCharactersInNames({ metadata: [{ caption: 'two\nlines' }] })).not.toThrow();
  });
});

describe('redactUrl', () => {
  it('decodes parameter names before redacting and cuts every credential', () => {
    expect(redactUrl('/v1/datasets?to%6Ben=wnw_secret')).toBe('/v1/datasets?to%6Ben=[redacted]');
    expect(redactUrl('/v1/datasets?TOKEN=wnw_secret&pageSize=2')).toBe('/v1/datasets?TOKEN=[redacted]&pageSize=2');
    expect(redactUrl('/x?sig%6eature=abc&X-Amz-Signature=def&X-Amz-Credential=AKIA%2F')).not.toMatch(/abc|def|AKIA/);
    expect(redactUrl('/x?%E0%A4%A=wnw_secret')).not.toContain('wnw_secret'); // a name that does not decode
    expect(redactUrl('/v1/datasets')).toBe('/v1/datasets');
  });
});

describe('strict integers in query strings', () => {
  const schema = Type.Object({ pageSize: Type.Optional(Type.Integer({ minimum: 1 })), pageOffset: Type.Optional(Type.Integer()) });
  it.each(['1e3', '0x5', '3.9', '99999999999999999999', ' 5', '+5', '', '1_000', 'Infinity'])('refuses %j', (text) => {
    expect(() => checkNumberTexts(schema, { pageSize: text }, 'query')).toThrow(/query \(column "pageSize"\): must be an integer written in digits/);
  });
  it('accepts digits', () => {
    expect(() => checkNumberTexts(schema, { pageSize: '1000', pageOffset: '-3' }, 'query')).not.toThrow();
  });
});

describe('hideServerPaths', () => {
  it('turns storage paths into dataset-relative names and hides other paths in unexpected errors', () => {
    const home = '/srv/winnow';
    expect(hideServerPaths('/srv/winnow/storage/6745a1b2c3d4e5f6a7b8c9d0/embeddings/.upload-12-ab.csv:3: bad', home)).toBe('.upload-12-ab.csv:3: bad');
    expect(hideServerPaths('ENOENT: open "/var/lib/x/y.db"', home, true)).toBe('ENOENT: open "y.db"');
    expect(hideServerPaths('see s3://bucket/a/b.csv', home, true)).toBe('see s3://bucket/a/b.csv');
  });
});

describe('FailedAuthLimiter', () => {
  it('answers with a wait past the limit, per address, until the window ends', () => {
    const limiter = new FailedAuthLimiter({ limit: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) limiter.recordFailure('10.0.0.7', 1_000);
    expect(limiter.retryAfterSeconds('10.0.0.7', 2_000)).toBe(59);
    expect(limiter.retryAfterSeconds('10.0.0.8', 2_000)).toBeUndefined();
    expect(limiter.retryAfterSeconds('10.0.0.7', 61_000)).toBeUndefined();
  });
});

describe('S3 endpoint policy', () => {
  const none = s3EndpointPolicy([], {});
  it('allows AWS and refuses loopback, private, link-local and unlisted hosts', async () => {
    await expect(assertS3EndpointAllowed(undefined, none)).resolves.toBeUndefined();
    for (const endpoint of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://169.254.169.254', 'http://10.1.2.3', 'http://[::1]:9000', 'http://[::ffff:127.0.0.1]/', 'http://minio.internal:9000', 'http://0.0.0.0:9000']) {
      await expect(assertS3EndpointAllowed(endpoint, none), endpoint).rejects.toMatchObject({ code: 'S3_ENDPOINT_NOT_ALLOWED' });
    }
    await expect(assertS3EndpointAllowed('http://user:pw@s3.amazonaws.com', none)).rejects.toThrow(/user name or password/);
  });

  it('allows what the operator lists (host:port, URL, CIDR), and only that', async () => {
    const policy = s3EndpointPolicy(['127.0.0.1:9000'], { WINNOW_S3_ENDPOINT_ALLOW: 'http://minio.local:9000, 10.20.0.0/16' });
    await expect(assertS3EndpointAllowed('http://127.0.0.1:9000', policy)).resolves.toBeUndefined();
    await expect(assertS3EndpointAllowed('http://127.0.0.1:9001', policy)).rejects.toThrow(/not allowed/);
    await expect(assertS3EndpointAllowed('http://minio.local:9000/', policy)).resolves.toBeUndefined();
    await expect(assertS3EndpointAllowed('http://10.20.3.4:9000', policy)).resolves.toBeUndefined();
    await expect(assertS3EndpointAllowed('http://10.21.3.4:9000', policy)).rejects.toThrow(/loopback, private or link-local/);
  });

  it('checks the address every connection resolves to: a host name for loopback never gets a request', async () => {
    const received: string[] = [];
    const internal = createServer((request, response) => {
      received.push(request.url ?? '');
      response.end('<ListBucketResult></ListBucketResult>');
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    const port = (internal.address() as { port: number }).port;
    try {
      const client = createS3Client({ endpoint: `http://localhost:${port}`, accessKeyId: 'k', secretAccessKey: 's', endpointPolicy: { allow: [] } });
      await expect(client.send(new ListObjectsV2Command({ Bucket: 'bucket' }))).rejects.toThrow(/endpoint policy refuses/);
      client.destroy();
      expect(received).toEqual([]);
    } finally {
      internal.close();
    }
  });
});
