import { Type, type Static } from '@sinclair/typebox';

/** Path parameter schemas shared by the route modules. */
export const DatasetParams = Type.Object({ datasetId: Type.String({ minLength: 1 }) });
export type DatasetParams = Static<typeof DatasetParams>;

export const SampleParams = Type.Object({ datasetId: Type.String({ minLength: 1 }), sampleId: Type.String({ minLength: 1 }) });
export type SampleParams = Static<typeof SampleParams>;

export const TagParams = Type.Object({ datasetId: Type.String({ minLength: 1 }), tagId: Type.String({ minLength: 1 }) });
export type TagParams = Static<typeof TagParams>;

export const EmbeddingParams = Type.Object({ datasetId: Type.String({ minLength: 1 }), embeddingId: Type.String({ minLength: 1 }) });
export type EmbeddingParams = Static<typeof EmbeddingParams>;

export const JobParams = Type.Object({ jobId: Type.String({ minLength: 1 }) });
export type JobParams = Static<typeof JobParams>;

// Bulk JSON bodies (100k samples, custom metadata for 100k images, 100k file names) fit well inside this.
export const BULK_BODY_LIMIT = 256 * 1024 * 1024;
