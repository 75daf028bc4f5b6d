export {
  checkRelativeName,
  parseImagePredictions,
  parseSchema,
  parseTasks,
  predictedCategory,
  predictionConfidence,
  predictionFileName,
  PREDICTIONS_DIR,
  PROBABILITY_SUM_TOLERANCE,
  TASK_TYPES,
  topPrediction,
  type ImagePredictions,
  type ImageSize,
  type PredictionCategory,
  type PredictionSchema,
  type PredictionSingleton,
  type PredictionTask,
  type TaskType,
} from './format';
export {
  localDatasource,
  readPredictions,
  s3Datasource,
  type DatasourceFiles,
  type LoadedTask,
  type PredictionProblem,
  type ReadPredictionsOptions,
  type ReadPredictionsResult,
} from './read-predictions';
export { CLASSIFICATION_SCORES, classificationUncertainty, computeScores, DETECTION_SCORES, OBJECT_FREQUENCY_DEFAULTS, type ScoreName } from './scores';
export { predictionValues, scoresByFileName, type PredictionValue, type ValuesByFileName } from './selection-inputs';
