/**
 * The embed step: images in a folder → one L2-normalised vector each, appended to a Lightly embeddings CSV.
 * Faces (CLI, n8n, Temporal, `winnow run`) call `embedImages`; the rest is exported for tools and tests.
 */
export { embedImages, DEFAULT_BATCH_SIZE, type EmbedImagesOptions, type EmbedResult } from './embed-images';
export { classesOf, isImageName, listImageFiles, labelFor, IMAGE_EXTENSIONS } from './image-files';
export { loadEmbeddingModel, type EmbeddingModel, type LoadEmbeddingModelOptions } from './embedding-model';
export {
  BUILTIN_MODELS,
  DEFAULT_MODEL_NAME,
  EFFICIENTNET_LITE0_CONFIG,
  loadImagenetClasses,
  resolveModelChoice,
  type BuiltinModel,
} from './builtin-models';
export { classifyImages, type ClassifyImagesOptions, type ClassifyResult, type ImageClasses } from './classify-images';
export { nsfwjsModelPath, nsfwjsModelId, convertNsfwjsModel, modelCacheDir, NSFWJS_MODEL_CONFIG } from './nsfwjs-mobilenet';
export { ModelConfig, resolveModelConfig, type ResolvedModelConfig } from './model-config';
export { decodeImage, DEFAULT_PIXEL_LIMIT, type DecodeOutcome } from './decode-image';
export { createModelRunner, type ModelRunner, type OrtBackend, type RunnerOptions } from './runner/model-runner';
