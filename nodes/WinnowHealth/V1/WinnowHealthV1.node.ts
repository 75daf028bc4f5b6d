import {
  NodeConnectionTypes,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeBaseDescription,
  type INodeTypeDescription,
} from 'n8n-workflow';
import { executePerItem } from '../../shared/execute-items';
import { datasetIdProperty, getDatasets } from '../../shared/platform';
import { analyseFiles } from './transport';

// eslint-disable-next-line @n8n/community-nodes/icon-validation -- the icon is set once, in the version shell's base description
export class WinnowHealthV1 implements INodeType {
  description: INodeTypeDescription;

  constructor(baseDescription: INodeTypeBaseDescription) {
    this.description = {
      ...baseDescription,
      version: 1,
      subtitle: '={{"keep " + $parameter["keeper"]}}',
      defaults: { name: 'Winnow Health' },
      usableAsTool: true,
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: 'winnowApi', required: true, displayOptions: { show: { tagOnPlatform: [true] } } }],
      properties: [
        {
          displayName: 'Embeddings CSV',
          name: 'embeddingsCsv',
          type: 'string',
          default: '={{ $json.embeddingsCsv }}',
          required: true,
          description: 'Lightly embeddings CSV on the n8n host, e.g. from a Winnow Embed node',
        },
        {
          displayName: 'Measures File',
          name: 'measuresFile',
          type: 'string',
          default: '={{ $json.measuresFile }}',
          description: 'The per-image measures the Winnow Embed node wrote beside its CSV (hashes, sharpness, brightness); without it only near duplicates and outliers are found',
        },
        {
          displayName: 'Keeper',
          name: 'keeper',
          type: 'options',
          options: [
            { name: 'Largest', value: 'largest', description: 'Most pixels, then sharpest' },
            { name: 'Sharpest', value: 'sharpest', description: 'Highest Laplacian variance' },
            { name: 'Earliest', value: 'earliest', description: 'First in file-name order' },
          ],
          default: 'largest',
          description: 'Which copy of each duplicate group is kept',
        },
        {
          displayName: 'Tag on Platform',
          name: 'tagOnPlatform',
          type: 'boolean',
          default: false,
          description: 'Whether to put the measures into the samples’ metadata and make a tag per finding (duplicates-removed, blurry, …) on a dataset',
        },
        { ...datasetIdProperty(), displayOptions: { show: { tagOnPlatform: [true] } } },
        {
          displayName: 'Options',
          name: 'options',
          type: 'collection',
          placeholder: 'Add Option',
          default: {},
          options: [
            {
              displayName: 'Near-Duplicate Threshold',
              name: 'nearDuplicateThreshold',
              type: 'number',
              typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
              default: 0.95,
              description: 'Embedding similarity that alone makes two images near duplicates',
            },
            {
              displayName: 'Layout Threshold',
              name: 'layoutThreshold',
              type: 'number',
              typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
              default: 0.8,
              description: 'Lower similarity that suffices when the two pictures’ layouts agree',
            },
            {
              displayName: 'Tag Prefix',
              name: 'tagPrefix',
              type: 'string',
              default: '',
              description: 'Put before every tag name',
            },
          ],
        },
      ],
    };
  }

  methods = { loadOptions: { getDatasets } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return executePerItem(this, (itemIndex) => analyseFiles(this, itemIndex), { keepInputFields: true });
  }
}
