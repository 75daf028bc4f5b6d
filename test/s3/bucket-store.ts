import { afterAll, beforeAll } from 'vitest';
import { openObjectStore, type ObjectStore } from '../../src/s3';
import { createBucket, dropBucket, sharedMinio, uniqueBucket } from './minio-fixtures';

/**
 * Registers a test file's hooks: a bucket of its own on the shared MinIO and an object store over it; afterwards the
 * store is closed and the bucket dropped. → the bucket's name, and the store once opened
 */
export function useBucketStore(label: string): { readonly bucket: string; readonly store: ObjectStore } {
  const s3 = sharedMinio();
  const bucket = uniqueBucket(label);
  let store: ObjectStore | undefined;
  beforeAll(async () => {
    await createBucket(s3, bucket);
    store = openObjectStore(s3, bucket);
  });
  afterAll(async () => {
    store?.close();
    await dropBucket(s3, bucket);
  });
  return {
    bucket,
    get store() {
      if (store === undefined) throw new Error('the bucket is created in beforeAll: use its store inside a test');
      return store;
    },
  };
}
