// Workflows run in Temporal's deterministic sandbox; the worker registers this module by path, not by import.
export { curationPipeline, progressQuery, stopSignal } from './curation-pipeline';
