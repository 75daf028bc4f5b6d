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
import { DATASET_FROM_ITEM, datasetIdProperty, getDatasets } from '../../shared/platform';
import { uploadMetadata } from './transport';

// eslint-disable-next-line @n8n/community-nodes/icon-validation -- the icon is set once, in the version shell's base description
export class WinnowUploadMetadataV1 implements INodeType {
  description: INodeTypeDescription;

  constructor(baseDescription: INodeTypeBaseDescription) {
    this.description = {
      ...baseDescription,
      version: 1,
      subtitle: '={{$parameter["operation"]}}',
      defaults: { name: 'Winnow Upload Metadata' },
      usableAsTool: true,
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: 'winnowApi', required: true, displayOptions: { show: { operation: ['upload'] } } }],
      properties: [
        {
          displayName: 'Operation',
          name: 'operation',
          type: 'options',
          noDataExpression: true,
          options: [
            {
              name: 'Upload',
              value: 'upload',
              description: "Validate the file, then set each named sample's custom metadata",
              action: 'Upload custom metadata',
            },
            {
              name: 'Validate',
              value: 'validate',
              description: 'Only check the file; report its errors with line and column',
              action: 'Validate custom metadata',
            },
          ],
          default: 'upload',
        },
        datasetIdProperty({ operation: ['upload'] }, DATASET_FROM_ITEM),
        ...inputSourceProperties({
          pathName: 'metadataFile',
          pathLabel: 'Metadata File',
          pathDefault: '',
          placeholder: '/data/winnow/farm-animals.metadata.json',
          description: 'Lightly custom metadata: {"images": [{"id", "file_name"}], "metadata": [{"image_id", …}]}',
        }),
      ],
    };
  }

  methods = { loadOptions: { getDatasets } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return executePerItem(this, (itemIndex) => uploadMetadata(this, itemIndex), { keepInputFields: true });
  }
}
