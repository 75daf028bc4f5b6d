import {
  NodeConnectionTypes,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeBaseDescription,
  type INodeTypeDescription,
} from 'n8n-workflow';
import { executePerItem } from '../../shared/execute-items';
import { DATASET_FROM_ITEM, datasetIdProperty, getDatasets } from '../../shared/platform';
import { selectFromFiles } from './transport';

// eslint-disable-next-line @n8n/community-nodes/icon-validation -- the icon is set once, in the version shell's base description
export class WinnowSelectV1 implements INodeType {
  description: INodeTypeDescription;

  constructor(baseDescription: INodeTypeBaseDescription) {
    this.description = {
      ...baseDescription,
      version: 1,
      subtitle: '={{$parameter["strategy"] + ": " + $parameter["numberOfSamples"]}}',
      defaults: { name: 'Winnow Select' },
      usableAsTool: true,
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: 'winnowApi', required: true, displayOptions: { show: { datapool: ['platformTags'] } } }],
      properties: [
        {
          displayName: 'Embeddings CSV',
          name: 'embeddingsCsv',
          type: 'string',
          default: '={{ $json.embeddingsCsv }}',
          required: true,
          description: 'Lightly embeddings CSV on the n8n host, e.g. from a Winnow Embed or Save Embeddings node',
        },
        {
          displayName: 'Strategy',
          name: 'strategy',
          type: 'options',
          options: [
            { name: 'Balance', value: 'balance', description: 'Match the distribution of a categorical metadata key' },
            { name: 'Coral', value: 'coral', description: 'Diversity weighted by a numeric metadata key or score' },
            { name: 'Coreset (Diversity)', value: 'coreset', description: 'Images as far apart as possible in embedding space (picks outliers first)' },
            { name: 'Coverage', value: 'coverage', description: 'Kernel herding: each pick covers the most images not yet covered' },
            {
              name: 'Coverage + Diversity (Default)',
              value: 'coverage-diversity',
              description: 'Typical images that cover the whole set first, then the most typical images far from every pick',
            },
            { name: 'Custom Config', value: 'custom', description: 'A full selection config as JSON (strategies list)' },
            { name: 'Random', value: 'random', description: 'A uniform random subset (a baseline)' },
            { name: 'Typicality', value: 'typicality', description: 'The most typical images: densest neighbourhoods first' },
            { name: 'Weights', value: 'weights', description: 'Prefer high values of a numeric metadata key or score' },
          ],
          default: 'coverage-diversity',
        },
        {
          displayName: 'Number of Samples',
          name: 'numberOfSamples',
          type: 'number',
          typeOptions: { minValue: 1 },
          default: 100,
          description: 'How many new images to select; images already in the datapool do not count',
          displayOptions: { hide: { strategy: ['custom'] } },
        },
        {
          displayName: 'Metadata Key',
          name: 'metadataKey',
          type: 'string',
          default: '',
          required: true,
          placeholder: 'weather.temperature',
          description: 'Dotted path into the custom metadata',
          displayOptions: { show: { strategy: ['weights', 'coral', 'balance'] } },
        },
        {
          displayName: 'Selection Config',
          name: 'selectionConfig',
          type: 'json',
          default: '{\n  "n": 100,\n  "strategies": [\n    { "input": { "type": "EMBEDDINGS" }, "strategy": { "type": "DIVERSITY" } }\n  ]\n}',
          description: "Lightly-style selection config: n or proportionSamples, and a list of {input, strategy} pairs",
          displayOptions: { show: { strategy: ['custom'] } },
        },
        {
          displayName: 'Selection File',
          name: 'selectionFile',
          type: 'string',
          default: '',
          required: true,
          placeholder: '/data/winnow/farm-animals.selection.txt',
          description: 'Where the selected file names are written, one per line in pick order; the Winnow Tag node reads it',
        },
        {
          displayName: 'Datapool',
          name: 'datapool',
          type: 'options',
          options: [
            { name: 'None', value: 'none', description: 'Select from scratch' },
            {
              name: 'Platform Tags',
              value: 'platformTags',
              description: 'Keep the images of earlier selections (tags with a name prefix) and add new ones far from them',
            },
          ],
          default: 'none',
        },
        datasetIdProperty({ datapool: ['platformTags'] }, DATASET_FROM_ITEM),
        {
          displayName: 'Tag Name Prefix',
          name: 'datapoolTagPrefix',
          type: 'string',
          default: '',
          required: true,
          placeholder: 'nightly-',
          description: 'Every tag whose name starts with this belongs to the datapool',
          displayOptions: { show: { datapool: ['platformTags'] } },
        },
        {
          displayName: 'Options',
          name: 'options',
          type: 'collection',
          placeholder: 'Add Option',
          default: {},
          options: [
            {
              displayName: 'Include File Names',
              name: 'includeFileNames',
              type: 'boolean',
              default: false,
              description: 'Whether to also put the selected file names into the output item (keep off for large selections)',
            },
            {
              displayName: 'Metadata File',
              name: 'metadataFile',
              type: 'string',
              default: '',
              placeholder: '/data/winnow/farm-animals.metadata.json',
              description: 'Lightly custom metadata, needed by metadata-based strategies',
            },
            {
              displayName: 'Minimum Distance',
              name: 'minDistance',
              type: 'number',
              typeOptions: { minValue: 0, maxValue: 2, numberPrecision: 3 },
              default: 0,
              description: 'Stop early once the next diversity pick is closer than this (0–2 on unit-norm embeddings)',
            },
            {
              displayName: 'Seed',
              name: 'seed',
              type: 'number',
              default: 0,
              description: 'Seed of every random choice: the same seed, inputs and config give the same selection',
            },
          ],
        },
      ],
    };
  }

  methods = { loadOptions: { getDatasets } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return executePerItem(this, (itemIndex) => selectFromFiles(this, itemIndex), { keepInputFields: true });
  }
}
