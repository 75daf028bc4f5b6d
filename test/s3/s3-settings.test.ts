import { describe, expect, it } from 'vitest';
import { WinnowError } from '../../src/errors';
import { createS3Client, describeEndpoint, folderPrefix, isS3Uri, parseS3Uri } from '../../src/s3/s3-settings';

describe('parseS3Uri', () => {
  it('splits bucket and prefix', () => {
    expect(parseS3Uri('s3://datalake/projects/farm-animals')).toEqual({ bucket: 'datalake', prefix: 'projects/farm-animals' });
    expect(parseS3Uri('s3://datalake')).toEqual({ bucket: 'datalake', prefix: '' });
    expect(parseS3Uri('s3://datalake/')).toEqual({ bucket: 'datalake', prefix: '' });
    expect(parseS3Uri('s3://data.lake/a/b/')).toEqual({ bucket: 'data.lake', prefix: 'a/b/' });
  });

  it.each(['datalake/x', 'http://datalake/x', 's3:/datalake', 's3://', 's3://a/x', 's3://-bad/x', 's3://has space/x', 's3://b/x\0y'])(
    'refuses %j with a non-retryable error',
    (uri) => {
      let caught: unknown;
      try {
        parseS3Uri(uri);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WinnowError);
      expect((caught as WinnowError).code).toBe('INVALID_S3_URI');
      expect((caught as WinnowError).retryable).toBe(false);
    },
  );

  it('recognises S3 URIs and treats prefixes as folders', () => {
    expect(isS3Uri('s3://b/p')).toBe(true);
    expect(isS3Uri('./s3/b')).toBe(false);
    expect(folderPrefix('photos')).toBe('photos/');
    expect(folderPrefix('photos/')).toBe('photos/');
    expect(folderPrefix('')).toBe('');
  });
});

describe('createS3Client', () => {
  it('refuses half a key pair and non-http endpoints', () => {
    expect(() => createS3Client({ accessKeyId: 'AKIA' })).toThrow(/both accessKeyId and secretAccessKey/);
    expect(() => createS3Client({ endpoint: 'ftp://x' })).toThrow(/http or https/);
    expect(() => createS3Client({ endpoint: 'not a url' })).toThrow(/not a URL/);
  });

  it('never shows endpoint credentials', () => {
    expect(describeEndpoint({ endpoint: 'http://user:hunter2@127.0.0.1:9000/' })).toBe('http://127.0.0.1:9000');
  });
});
