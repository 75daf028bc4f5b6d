/**
 * The S3 step: sync buckets like `aws s3 sync`, check datasource permissions, presign reads, and prepare images for
 * the platform in Lightly's three upload modes. Vendor (AWS SDK) types stay inside this folder.
 */
export { createS3Client, describeEndpoint, folderPrefix, isS3Uri, parseS3Uri, type S3Location, type S3Settings } from './s3-settings';
export { backoffDelayMs, classifyS3Error, describeS3Error, withS3Retry, type RetryOptions, type S3FaultKind } from './s3-errors';
export { listS3Objects, type ListS3ObjectsOptions, type S3ObjectInfo } from './list-objects';
export { createKeyFilter, isImageKey, safeLocalPath, STATE_DIR, type KeyFilterOptions } from './key-paths';
export { syncS3ToLocal, type SyncToLocalOptions } from './sync-to-local';
export { syncLocalToS3, type SyncToS3Options } from './sync-to-s3';
export { DEFAULT_CONCURRENCY, type KeyProblem, type SyncCommonOptions, type SyncPlan, type SyncResult } from './sync-result';
export { verifyS3Datasource, type DatasourceLights, type Light, type VerifyS3DatasourceOptions } from './verify-datasource';
export { presignReadUrl } from './presign';
export { assertS3EndpointAllowed, guardedLookup, s3EndpointPolicy, S3_ENDPOINT_ALLOW_ENV, type S3EndpointPolicy } from './endpoint-policy';
export { createThumbnail, DEFAULT_THUMBNAIL_SUFFIX, thumbnailName, type Thumbnail, type ThumbnailOptions } from './thumbnails';
export { readImageMetadata, summarizeExif, type ExifSummary, type ImageMetadata } from './image-metadata';
export {
  createFolderSink,
  createS3Sink,
  uploadForMode,
  UPLOAD_MODES,
  type ImageInput,
  type ImageSink,
  type ImageSource,
  type UploadedSample,
  type UploadForModeOptions,
  type UploadForModeResult,
  type UploadMode,
} from './upload-modes';
export { openObjectStore, type ObjectStore } from './object-store';
export { runPool } from './transfer-pool';
