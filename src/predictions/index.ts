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
export { predictImages, readPredictorConfig, decodeClassifier, PredictorConfig, type PredictImagesOptions, type PredictImagesResult } from './predict-images';
export { DetectorConfig, DETECTOR_DEFAULTS, checkDetectorConfig, loadDetector, runDetector, toSingleton, type Detector } from './detect-images';
export { BOX_FORMATS, decodeDetections, iou, nonMaxSuppression, toCorners, toImagePixels, type BoxFormat, type Corners, type Detection, type InputFit } from './detections';
export { embedObjects, objectEmbeddingsPath, OBJECT_EMBEDDINGS_DIR, type EmbedObjectsOptions, type EmbedObjectsResult } from './object-embeddings';
