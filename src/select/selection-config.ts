import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { InvalidConfigError } from '../errors';

/**
 * The selection config, modelled on Lightly's worker selection config (SelectionConfigV4): a list of
 * (input, strategy) pairs plus how many samples to keep. Field names follow Lightly's camelCase wire format where
 * one exists (`proportionSamples`, `stoppingConditionMinimumDistance`, `randomSeed`, `operation`, `target`,
 * `distribution`); the rest are Winnow's (`queryFileNames`, `range`, `equals`, `in`, `projectionDim`, `rankDepth`).
 */

export const INPUT_TYPES = ['EMBEDDINGS', 'METADATA', 'SCORES', 'PREDICTIONS', 'RANDOM'] as const;
/** What a PREDICTIONS input reads: the predicted class (for BALANCE) or the number of predicted objects (for WEIGHTS). */
export const PREDICTION_INPUT_NAMES = ['CLASS_DISTRIBUTION', 'CATEGORY_COUNT'] as const;
export const STRATEGY_TYPES = ['DIVERSITY', 'TYPICALITY', 'COVERAGE', 'WEIGHTS', 'THRESHOLD', 'BALANCE', 'SIMILARITY', 'RANDOM'] as const;
export const THRESHOLD_OPERATIONS = ['SMALLER', 'SMALLER_EQUAL', 'BIGGER', 'BIGGER_EQUAL'] as const;
export const BALANCE_DISTRIBUTIONS = ['TARGET', 'UNIFORM', 'INPUT'] as const;
/** The CLI's `--strategy` names; each expands to a `strategies` list (see {@link expandShorthand}). */
export const STRATEGY_SHORTHANDS = [
  'coverage-diversity',
  'coverage',
  'typicality',
  'coreset',
  'diversity',
  'random',
  'weights',
  'coral',
  'balance',
  'similarity',
] as const;
export type StrategyShorthand = (typeof STRATEGY_SHORTHANDS)[number];
/**
 * What every face selects with when no strategy is given: kernel-herding coverage (typical samples of every region
 * first) for the small and medium budgets, then k-center diversity once herding has used up its reference sample
 * (past 1,024 picks or a quarter of the set; see bench/quality for the figures against random and coreset).
 */
export const DEFAULT_STRATEGY: StrategyShorthand = 'coverage-diversity';
/** One line per shorthand, for the faces that offer a choice (web app, n8n). */
export const STRATEGY_DESCRIPTIONS: Record<StrategyShorthand, string> = {
  'coverage-diversity':
    'Default. Typical images that cover the whole set (kernel herding); past ~1,000 picks, images far from every pick',
  coverage: 'Kernel herding: each pick covers the most images not yet covered (best for small labeling budgets)',
  typicality: 'The most typical images: densest neighbourhoods first (may stay in one dense cluster on its own)',
  coreset: 'k-center: images as far apart as possible (best for large budgets; picks outliers first)',
  diversity: 'Same as coreset (Lightly\'s DIVERSITY)',
  random: 'A seeded random sample',
  weights: 'Highest value of a numeric metadata field first',
  coral: 'Coreset weighted by an active-learning score',
  balance: 'Equal share per category of a metadata field',
  similarity: 'Images closest to a query set',
};

// Type.Unsafe keeps the union's schema (so Value still checks it) while giving Static the literal type.
const literals = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const SelectionInputSchema = Type.Object(
  {
    type: literals(INPUT_TYPES),
    /** METADATA: dotted path into the custom metadata (`weather.temperature`); SCORES: the score name. */
    key: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * SCORES and PREDICTIONS: the prediction task; a score is looked up as `task.score` (or `task.key`). EMBEDDINGS: an
     * object-detection task, whose object crops' embeddings DIVERSITY selects images through.
     */
    task: Type.Optional(Type.String({ minLength: 1 })),
    /** SCORES: the score name, Lightly's field (e.g. `uncertainty_entropy`); same as `key`. */
    score: Type.Optional(Type.String({ minLength: 1 })),
    /** PREDICTIONS: CLASS_DISTRIBUTION (predicted class, for BALANCE) or CATEGORY_COUNT (objects, for WEIGHTS/THRESHOLD). */
    name: Type.Optional(literals(PREDICTION_INPUT_NAMES)),
    /** PREDICTIONS with CATEGORY_COUNT: count only objects of these category names. */
    categories: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    /** RANDOM: seed of this input's random values (defaults to the config's `seed`). */
    randomSeed: Type.Optional(Type.Integer()),
    /** EMBEDDINGS for SIMILARITY: the query set (e.g. the file names of a tag). */
    queryFileNames: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  },
  { additionalProperties: false },
);

export const SelectionStrategySchema = Type.Object(
  {
    type: literals(STRATEGY_TYPES),
    /** Exponent of this strategy's objective in the product (Lightly's `strength`, default 1; negative prefers the opposite). */
    strength: Type.Optional(Type.Number({ minimum: -1e9, maximum: 1e9 })),
    /** TYPICALITY (and COVERAGE's kernel width): neighbours of the density estimate (default 20, as TypiClust). */
    neighbours: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** COVERAGE: Gaussian kernel width on unit-norm embeddings (default: the median distance to the 20th neighbour). */
    kernelWidth: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 2 })),
    /** COVERAGE with DIVERSITY: hand over to DIVERSITY once the samples are covered this well on average (0–1; default: after R/4 picks). */
    handOverCoverage: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    /** DIVERSITY: stop once the next pick is closer than this to every earlier pick (0–2 on unit-norm embeddings). */
    stoppingConditionMinimumDistance: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    /** THRESHOLD: compare each value with `threshold` by `operation`. */
    threshold: Type.Optional(Type.Number()),
    operation: Type.Optional(literals(THRESHOLD_OPERATIONS)),
    /** THRESHOLD: keep values in [min, max] (either bound may be left out). */
    range: Type.Optional(
      Type.Object({ min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) }, { additionalProperties: false }),
    ),
    /** THRESHOLD: keep values equal to this. */
    equals: Type.Optional(Scalar),
    /** THRESHOLD: keep values in this set. */
    in: Type.Optional(Type.Array(Scalar, { minItems: 1 })),
    /** BALANCE: how the categories should be spread over the selection. */
    distribution: Type.Optional(literals(BALANCE_DISTRIBUTIONS)),
    /** BALANCE with TARGET: fraction per category; the remainder is shared by the categories not named. */
    target: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 }))),
  },
  { additionalProperties: false },
);

export const SelectionStrategyEntrySchema = Type.Object(
  { input: SelectionInputSchema, strategy: SelectionStrategySchema },
  { additionalProperties: false },
);

export const SelectionConfigSchema = Type.Object(
  {
    /** How many new samples to select (preselected samples do not count). */
    n: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Or: this fraction of the candidates left after thresholds. */
    proportionSamples: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    /** Stop once the next diversity pick is closer than this to every earlier pick (shorthand for the DIVERSITY field). */
    minDistance: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    /** Seed of every random choice; the same seed, inputs and config give the same result. */
    seed: Type.Optional(Type.Integer()),
    /** Johnson–Lindenstrauss random projection of the embeddings to this many dimensions before the distance scans. */
    projectionDim: Type.Optional(Type.Integer({ minimum: 2, maximum: 4096 })),
    /** Greedy picks to rank exactly (default: the selection size); the rest is ordered by its score after them. */
    rankDepth: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Shorthand for a one- or two-strategy config, as the CLI's `--strategy`. */
    strategy: Type.Optional(literals(STRATEGY_SHORTHANDS)),
    /** The metadata key or score name that the `weights`, `coral` and `balance` shorthands use. */
    key: Type.Optional(Type.String({ minLength: 1 })),
    /** The query set of the `similarity` shorthand. */
    queryFileNames: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    strategies: Type.Optional(Type.Array(SelectionStrategyEntrySchema)),
  },
  { additionalProperties: false },
);

export type SelectionInput = Static<typeof SelectionInputSchema>;
export type SelectionStrategy = Static<typeof SelectionStrategySchema>;
export type SelectionStrategyEntry = Static<typeof SelectionStrategyEntrySchema>;
export type SelectionConfigInput = Static<typeof SelectionConfigSchema>;
/** A validated config: shorthands expanded, so `strategies` is always a non-empty list. */
export type SelectionConfig = Omit<SelectionConfigInput, 'strategy' | 'key' | 'queryFileNames' | 'strategies'> & {
  strategies: SelectionStrategyEntry[];
};

const EMBEDDINGS: SelectionInput = { type: 'EMBEDDINGS' };

/**
 * Expands the CLI's `--strategy` name into the strategy list it stands for.
 *
 * Example: `expandShorthand('coral', { key: 'uncertainty' })` → `[{ input: { type: 'EMBEDDINGS' }, strategy: { type:
 * 'DIVERSITY' } }, { input: { type: 'SCORES', key: 'uncertainty' }, strategy: { type: 'WEIGHTS' } }]`.
 */
export function expandShorthand(
  name: StrategyShorthand,
  options: { key?: string; queryFileNames?: string[]; seed?: number; minDistance?: number },
  source = 'config',
): SelectionStrategyEntry[] {
  const needKey = (): string => {
    if (options.key === undefined) throw new InvalidConfigError(`${source}: strategy "${name}" needs a metadata key (key / --key)`);
    return options.key;
  };
  const diversity: SelectionStrategyEntry = { input: EMBEDDINGS, strategy: { type: 'DIVERSITY' } };
  switch (name) {
    case 'coverage-diversity':
      return [{ input: EMBEDDINGS, strategy: { type: 'COVERAGE' } }, diversity];
    case 'coverage':
      return [{ input: EMBEDDINGS, strategy: { type: 'COVERAGE' } }];
    case 'typicality':
      return [{ input: EMBEDDINGS, strategy: { type: 'TYPICALITY' } }];
    case 'coreset':
    case 'diversity':
      return [diversity];
    case 'random':
      return [{ input: { type: 'RANDOM' }, strategy: { type: 'RANDOM' } }];
    case 'weights':
      return [{ input: { type: 'METADATA', key: needKey() }, strategy: { type: 'WEIGHTS' } }];
    case 'coral':
      // Lightly's CORAL = coreset combined with active-learning scores.
      return [diversity, { input: { type: 'SCORES', key: needKey() }, strategy: { type: 'WEIGHTS' } }];
    case 'balance':
      return [{ input: { type: 'METADATA', key: needKey() }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } }];
    case 'similarity':
      if (options.queryFileNames === undefined) {
        throw new InvalidConfigError(`${source}: strategy "similarity" needs queryFileNames (--query FILE)`);
      }
      return [{ input: { type: 'EMBEDDINGS', queryFileNames: options.queryFileNames }, strategy: { type: 'SIMILARITY' } }];
  }
}

/**
 * Validates a selection config from JSON, a REST body or n8n parameters, and expands shorthands.
 * Errors name the field: `config.json: strategies[1].strategy.type: unknown strategy "CLUSTER" (expected one of …)`.
 *
 * Example: `parseSelectionConfig({ n: 2, strategy: 'coreset' })` →
 * `{ n: 2, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] }`.
 */
export function parseSelectionConfig(value: unknown, source = 'config'): SelectionConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidConfigError(`${source}: a selection config must be a JSON object`);
  }
  checkEnums(value as Record<string, unknown>, source);
  const first = Value.Errors(SelectionConfigSchema, value).First();
  if (first !== undefined) {
    const field = pointerToField(first.path);
    if (first.message.startsWith('Unexpected property')) throw new InvalidConfigError(`${source}: unknown field "${field}"`);
    throw new InvalidConfigError(`${source}: ${field || '(root)'}: ${first.message} (got ${JSON.stringify(first.value)})`);
  }
  const raw = value as SelectionConfigInput;
  if (raw.strategy !== undefined && raw.strategies !== undefined) {
    throw new InvalidConfigError(`${source}: give either "strategy" (a shorthand) or "strategies", not both`);
  }
  if (raw.n !== undefined && raw.proportionSamples !== undefined) {
    throw new InvalidConfigError(`${source}: give either "n" or "proportionSamples", not both`);
  }
  const strategies =
    raw.strategy !== undefined
      ? expandShorthand(raw.strategy, { key: raw.key, queryFileNames: raw.queryFileNames }, source)
      : (raw.strategies ?? []);
  if (strategies.length === 0) throw new InvalidConfigError(`${source}: strategies: give at least one strategy (or "strategy": "${DEFAULT_STRATEGY}")`);
  strategies.forEach((entry, i) => checkEntry(entry, `${source}: strategies[${i}]`));
  if (raw.n === undefined && raw.proportionSamples === undefined && raw.minDistance === undefined && !hasMinDistance(strategies)) {
    throw new InvalidConfigError(`${source}: say how many to select: n, proportionSamples or minDistance`);
  }
  if ((raw.minDistance !== undefined || hasMinDistance(strategies)) && !strategies.some((s) => s.strategy.type === 'DIVERSITY')) {
    throw new InvalidConfigError(`${source}: minDistance needs a DIVERSITY strategy`);
  }
  for (const type of ['DIVERSITY', 'TYPICALITY', 'COVERAGE', 'BALANCE'] as const) {
    const at = strategies.map((s, i) => (s.strategy.type === type ? i : -1)).filter((i) => i >= 0);
    if (at.length > 1) throw new InvalidConfigError(`${source}: strategies[${at[1]}].strategy.type: only one ${type} strategy is supported`);
  }
  const coverageAt = strategies.findIndex((s) => s.strategy.type === 'COVERAGE');
  if (coverageAt >= 0 && strategies.some((s) => s.strategy.type === 'BALANCE')) {
    throw new InvalidConfigError(`${source}: strategies[${coverageAt}].strategy.type: COVERAGE cannot be combined with BALANCE`);
  }
  if (coverageAt >= 0 && strategies[coverageAt].strategy.handOverCoverage !== undefined && !strategies.some((s) => s.strategy.type === 'DIVERSITY')) {
    throw new InvalidConfigError(`${source}: strategies[${coverageAt}].strategy.handOverCoverage: hands over to DIVERSITY, which the config lacks`);
  }
  const { strategy: _s, key: _k, queryFileNames: _q, strategies: _l, ...rest } = raw;
  return { ...rest, strategies };
}

function hasMinDistance(strategies: SelectionStrategyEntry[]): boolean {
  return strategies.some((s) => s.strategy.stoppingConditionMinimumDistance !== undefined);
}

/** Enum fields get their own message: TypeBox reports a failed union without saying which values are allowed. */
function checkEnums(config: Record<string, unknown>, source: string): void {
  const check = (value: unknown, allowed: readonly string[], field: string, what: string) => {
    if (value !== undefined && !(allowed as readonly unknown[]).includes(value)) {
      throw new InvalidConfigError(`${source}: ${field}: unknown ${what} ${JSON.stringify(value)} (expected one of ${allowed.join(', ')})`);
    }
  };
  check(config.strategy, STRATEGY_SHORTHANDS, 'strategy', 'strategy');
  if (!Array.isArray(config.strategies)) return;
  config.strategies.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) return;
    const { input, strategy } = entry as { input?: Record<string, unknown>; strategy?: Record<string, unknown> };
    if (input !== undefined && input !== null) {
      check(input.type, INPUT_TYPES, `strategies[${i}].input.type`, 'input type');
      check(input.name, PREDICTION_INPUT_NAMES, `strategies[${i}].input.name`, 'predictions input name');
    }
    if (strategy !== undefined && strategy !== null) {
      check(strategy.type, STRATEGY_TYPES, `strategies[${i}].strategy.type`, 'strategy');
      check(strategy.operation, THRESHOLD_OPERATIONS, `strategies[${i}].strategy.operation`, 'operation');
      check(strategy.distribution, BALANCE_DISTRIBUTIONS, `strategies[${i}].strategy.distribution`, 'distribution');
    }
  });
}

/** Which inputs each strategy can read (as in Lightly's docs: DIVERSITY/SIMILARITY on embeddings, the rest on values). */
const ALLOWED_INPUTS: Record<SelectionStrategy['type'], readonly SelectionInput['type'][]> = {
  DIVERSITY: ['EMBEDDINGS'],
  TYPICALITY: ['EMBEDDINGS'],
  COVERAGE: ['EMBEDDINGS'],
  SIMILARITY: ['EMBEDDINGS'],
  WEIGHTS: ['METADATA', 'SCORES', 'PREDICTIONS', 'RANDOM'],
  THRESHOLD: ['METADATA', 'SCORES', 'PREDICTIONS'],
  BALANCE: ['METADATA', 'SCORES', 'PREDICTIONS'],
  RANDOM: ['RANDOM', 'EMBEDDINGS', 'METADATA', 'SCORES', 'PREDICTIONS'],
};

function checkEntry({ input, strategy }: SelectionStrategyEntry, where: string): void {
  const allowed = ALLOWED_INPUTS[strategy.type];
  if (!allowed.includes(input.type)) {
    throw new InvalidConfigError(`${where}: strategy ${strategy.type} cannot use input ${input.type} (use ${allowed.join(' or ')})`);
  }
  if (input.type === 'SCORES' && input.key !== undefined && input.score !== undefined && input.key !== input.score) {
    throw new InvalidConfigError(`${where}.input: give the score name once (score or key), not both`);
  }
  if (input.type === 'METADATA' && input.key === undefined && strategy.type !== 'RANDOM') {
    throw new InvalidConfigError(`${where}.input.key: ${input.type} input needs a key (e.g. "weather.temperature")`);
  }
  if (input.type === 'SCORES' && input.key === undefined && input.score === undefined && strategy.type !== 'RANDOM') {
    throw new InvalidConfigError(`${where}.input.score: SCORES input needs a score name (e.g. "uncertainty_entropy"), with its task`);
  }
  if (input.type === 'PREDICTIONS') checkPredictionsInput(input, strategy, where);
  if (input.type === 'EMBEDDINGS' && input.task !== undefined && strategy.type !== 'DIVERSITY' && strategy.type !== 'RANDOM') {
    throw new InvalidConfigError(`${where}.input.task: object embeddings (EMBEDDINGS with a task) select through DIVERSITY only, not ${strategy.type}`);
  }
  if (strategy.type === 'SIMILARITY' && input.queryFileNames === undefined) {
    throw new InvalidConfigError(`${where}.input.queryFileNames: SIMILARITY needs the query set's file names`);
  }
  if (strategy.type === 'THRESHOLD') {
    const forms = [strategy.threshold !== undefined || strategy.operation !== undefined, strategy.range, strategy.equals, strategy.in];
    const given = forms.filter((f) => f !== undefined && f !== false).length;
    if (given !== 1) {
      throw new InvalidConfigError(`${where}.strategy: THRESHOLD needs exactly one of threshold+operation, range, equals or in`);
    }
    if ((strategy.threshold === undefined) !== (strategy.operation === undefined) && strategy.range === undefined) {
      throw new InvalidConfigError(`${where}.strategy: THRESHOLD needs both threshold and operation`);
    }
    if (strategy.range !== undefined && strategy.range.min === undefined && strategy.range.max === undefined) {
      throw new InvalidConfigError(`${where}.strategy.range: give min, max or both`);
    }
  }
  if (strategy.type === 'BALANCE') {
    const distribution = strategy.distribution ?? (strategy.target !== undefined ? 'TARGET' : undefined);
    if (distribution === undefined) throw new InvalidConfigError(`${where}.strategy: BALANCE needs a target or a distribution`);
    if (distribution === 'TARGET') {
      if (strategy.target === undefined || Object.keys(strategy.target).length === 0) {
        throw new InvalidConfigError(`${where}.strategy.target: distribution TARGET needs target fractions, e.g. {"sunny": 0.5}`);
      }
      const sum = Object.values(strategy.target).reduce((a, b) => a + b, 0);
      if (sum > 1 + 1e-9) throw new InvalidConfigError(`${where}.strategy.target: the fractions add up to ${sum}, more than 1`);
    }
  }
  if (strategy.type === 'COVERAGE' && strategy.strength !== undefined && !(strategy.strength > 0)) {
    throw new InvalidConfigError(`${where}.strategy.strength: COVERAGE needs a positive strength (got ${strategy.strength})`);
  }
  if (strategy.neighbours !== undefined && strategy.type !== 'TYPICALITY' && strategy.type !== 'COVERAGE') {
    throw new InvalidConfigError(`${where}.strategy.neighbours: only TYPICALITY and COVERAGE count neighbours`);
  }
  for (const field of ['kernelWidth', 'handOverCoverage'] as const) {
    if (strategy[field] !== undefined && strategy.type !== 'COVERAGE') {
      throw new InvalidConfigError(`${where}.strategy.${field}: only COVERAGE has a ${field}`);
    }
  }
  if (strategy.stoppingConditionMinimumDistance !== undefined && strategy.type !== 'DIVERSITY') {
    throw new InvalidConfigError(`${where}.strategy.stoppingConditionMinimumDistance: only DIVERSITY can stop on a distance`);
  }
}

function checkPredictionsInput(input: SelectionInput, strategy: SelectionStrategy, where: string): void {
  if (input.task === undefined) throw new InvalidConfigError(`${where}.input.task: PREDICTIONS input needs the prediction task's name`);
  if (input.name === undefined) throw new InvalidConfigError(`${where}.input.name: PREDICTIONS input needs a name (${PREDICTION_INPUT_NAMES.join(' or ')})`);
  if (input.name === 'CLASS_DISTRIBUTION' && strategy.type !== 'BALANCE' && strategy.type !== 'THRESHOLD' && strategy.type !== 'RANDOM') {
    throw new InvalidConfigError(`${where}: PREDICTIONS CLASS_DISTRIBUTION is a class per sample: use it with BALANCE (or THRESHOLD with equals/in)`);
  }
  if (input.name === 'CATEGORY_COUNT' && strategy.type === 'BALANCE') {
    throw new InvalidConfigError(`${where}: PREDICTIONS CATEGORY_COUNT is a number per sample: use it with WEIGHTS or THRESHOLD (BALANCE takes CLASS_DISTRIBUTION)`);
  }
  if (input.categories !== undefined && input.name !== 'CATEGORY_COUNT') {
    throw new InvalidConfigError(`${where}.input.categories: only CATEGORY_COUNT counts selected categories`);
  }
}

function pointerToField(pointer: string): string {
  // "/strategies/0/strategy/strength" → "strategies[0].strategy.strength"
  return pointer
    .split('/')
    .filter((p) => p !== '')
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

/**
 * For faces that want to embed the schema (REST, n8n): the plain JSON Schema, without TypeBox's symbol keys.
 *
 * Example: → `{ type: 'object', additionalProperties: false, properties: { n: { type: 'integer', minimum: 1 }, … } }`.
 */
export function selectionConfigJsonSchema(): TSchema {
  return JSON.parse(JSON.stringify(SelectionConfigSchema)) as TSchema;
}
