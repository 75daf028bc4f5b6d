import {
  NodeConnectionTypes,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeBaseDescription,
  type INodeTypeDescription,
} from 'n8n-workflow';
import { executePerItem } from '../../shared/execute-items';
import { inputSourceProperties } from '../../shared/input-source';
import { operations } from './operations';

// eslint-disable-next-line @n8n/community-nodes/icon-validation -- the icon is set once, in the version shell's base description
export class WinnowSaveEmbeddingsV1 implements INodeType {
  description: INodeTypeDescription;

  constructor(baseDescription: INodeTypeBaseDescription) {
    this.description = {
      ...baseDescription,
      version: 1,
      subtitle: '={{$parameter["operation"]}}',
      defaults: { name: 'Winnow Save Embeddings' },
      usableAsTool: true,
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: 'winnowApi', required: true, displayOptions: { show: { operation: ['save'], uploadToPlatform: [true] } } }],
      properties: [
        {
          displayName: 'Operation',
          name: 'operation',
          type: 'options',
          noDataExpression: true,
          options: [
            {
              name: 'Merge',
              value: 'merge',
              description: 'Merge several CSVs into one; a later file replaces rows of the same file name',
              action: 'Merge embeddings files',
            },
            {
              name: 'Save',
              value: 'save',
              description: 'Write the CSV in canonical form and file-name order, optionally uploading it to a dataset',
              action: 'Save an embeddings file',
            },
            {
              name: 'Validate',
              value: 'validate',
              description: 'Check a CSV against the Lightly format and report its rows and dimensions',
              action: 'Validate an embeddings file',
            },
          ],
          default: 'save',
        },
        ...inputSourceProperties({
          pathName: 'inputCsv',
          pathLabel: 'Embeddings CSV',
          pathDefault: '={{ $json.embeddingsCsv }}',
          placeholder: '/data/winnow/farm-animals.embeddings.csv',
          description: 'Lightly embeddings CSV on the n8n host, e.g. the output of a Winnow Embed node',
          show: { operation: ['save', 'validate'] },
        }),
        {
          displayName: 'Input CSVs',
          name: 'inputCsvs',
          type: 'string',
          typeOptions: { rows: 3 },
          default: '',
          required: true,
          placeholder: '/data/part-1.csv\n/data/part-2.csv',
          description: 'One path per line (or comma-separated), oldest first',
          displayOptions: { show: { operation: ['merge'] } },
        },
        {
          displayName: 'Output CSV',
          name: 'outputCsv',
          type: 'string',
          default: '',
          required: true,
          placeholder: '/data/winnow/farm-animals.lightly.csv',
          description: 'Where to write the result; written to a temp file and renamed, so readers never see half a file',
          displayOptions: { show: { operation: ['save', 'merge'] } },
        },
        {
          displayName: 'Upload to Platform',
          name: 'uploadToPlatform',
          type: 'boolean',
          default: false,
          description: "Whether to create the dataset's samples (one per row, idempotent by file name) and upload the embeddings to the Winnow platform",
          displayOptions: { show: { operation: ['save'] } },
        },
        {
          displayName: 'Dataset Name',
          name: 'datasetName',
          type: 'string',
          default: '',
          required: true,
          placeholder: 'farm-animals',
          description: 'Created when it does not exist yet',
          displayOptions: { show: { operation: ['save'], uploadToPlatform: [true] } },
        },
        {
          displayName: 'Embedding Name',
          name: 'embeddingName',
          type: 'string',
          default: 'default',
          description: 'Name of the embedding on the platform; uploading the same name again replaces it',
          displayOptions: { show: { operation: ['save'], uploadToPlatform: [true] } },
        },
      ],
    };
  }

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const operation = this.getNodeParameter('operation', 0) as keyof typeof operations;
    return executePerItem(this, (itemIndex) => operations[operation](this, itemIndex), { keepInputFields: true });
  }
}
