export {
  BALANCE_DISTRIBUTIONS,
  DEFAULT_STRATEGY,
  STRATEGY_DESCRIPTIONS,
  INPUT_TYPES,
  STRATEGY_SHORTHANDS,
  STRATEGY_TYPES,
  SelectionConfigSchema,
  SelectionInputSchema,
  SelectionStrategyEntrySchema,
  SelectionStrategySchema,
  THRESHOLD_OPERATIONS,
  expandShorthand,
  parseSelectionConfig,
  selectionConfigJsonSchema,
  type SelectionConfig,
  type SelectionConfigInput,
  type SelectionInput,
  type SelectionStrategy,
  type SelectionStrategyEntry,
  type StrategyShorthand,
} from './selection-config';
export { selectSamples, type RankedSample, type SelectSamplesInput, type SelectionResult } from './select-samples';
export type { MetadataByFileName } from './objectives';
export type { DotKernel, KernelChoice } from './kernels/dot-kernel';
export { readSelectionConfigFile, selectFromFiles, type SelectFromFilesOptions } from './select-from-files';
