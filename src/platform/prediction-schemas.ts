import { Type, type Static } from '@sinclair/typebox';

/**
 * Request and response shapes of the prediction routes (Winnow extension), shared by the REST server and both
 * platform clients. Image entries are validated by the prediction engine (errors name the entry and field), so one
 * bad image is reported without failing the upload.
 */
const Category = Type.Object({ id: Type.Integer({ minimum: 0 }), name: Type.String({ minLength: 1 }) });
const ImagePredictionsBody = Type.Unknown({ description: 'Lightly prediction file: {"file_name", "predictions": [{category_id, probabilities?, bbox?, score?}]}' });

export const PredictionsUploadRequest = Type.Object(
  {
    tasks: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200 }),
          task_type: Type.Union([Type.Literal('classification'), Type.Literal('object-detection')]),
          categories: Type.Array(Category, { minItems: 1 }),
          images: Type.Array(ImagePredictionsBody),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);
export type PredictionsUploadRequest = Static<typeof PredictionsUploadRequest>;

export const PredictionProblem = Type.Object({ file: Type.String(), message: Type.String() });
export const PredictionsUploadResult = Type.Object({
  tasks: Type.Array(Type.Object({ name: Type.String(), stored: Type.Integer(), scores: Type.Array(Type.String()) })),
  problems: Type.Array(PredictionProblem),
});
export type PredictionsUploadResult = Static<typeof PredictionsUploadResult>;

export const SampleScoreData = Type.Object({
  sampleId: Type.String(),
  fileName: Type.String(),
  index: Type.Integer(),
  task: Type.String({ description: 'prediction task; "" for scores uploaded on a tag' }),
  scoreType: Type.String(),
  value: Type.Number(),
});
export type SampleScoreData = Static<typeof SampleScoreData>;

export const ScoresQuery = Type.Object({
  task: Type.Optional(Type.String({ description: 'prediction task; "" for scores uploaded on a tag' })),
  scoreType: Type.Optional(Type.String({ minLength: 1 })),
});
export type ScoresQuery = Static<typeof ScoresQuery>;

export const RoundSamplesData = Type.Object({
  round: Type.Integer({ minimum: 1 }),
  sinceTagId: Type.Union([Type.String(), Type.Null()]),
  /** The new samples' positions in dataset order, and their file names. */
  indices: Type.Array(Type.Integer()),
  fileNames: Type.Array(Type.String()),
});
export type RoundSamplesData = Static<typeof RoundSamplesData>;
