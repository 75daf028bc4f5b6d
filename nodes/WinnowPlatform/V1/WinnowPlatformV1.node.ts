import {
  NodeConnectionTypes,
  NodeOperationError,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeBaseDescription,
  type INodeTypeDescription,
} from 'n8n-workflow';
import { executePerItem } from '../../shared/execute-items';
import { datasetIdProperty, getDatasets, withPlatformClient } from '../../shared/platform';
import { datasetFields, datasetOperations } from './DatasetDescription';
import { exportFields, exportOperations } from './ExportDescription';
import { operations } from './operations';
import { sampleFields, sampleOperations } from './SampleDescription';
import { tagFields, tagOperations } from './TagDescription';

// eslint-disable-next-line @n8n/community-nodes/icon-validation -- the icon is set once, in the version shell's base description
export class WinnowPlatformV1 implements INodeType {
  description: INodeTypeDescription;

  constructor(baseDescription: INodeTypeBaseDescription) {
    this.description = {
      ...baseDescription,
      version: 1,
      subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
      defaults: { name: 'Winnow Platform' },
      usableAsTool: true,
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: 'winnowApi', required: true }],
      properties: [
        {
          displayName: 'Resource',
          name: 'resource',
          type: 'options',
          noDataExpression: true,
          options: [
            { name: 'Dataset', value: 'dataset' },
            { name: 'Export', value: 'export' },
            { name: 'Sample', value: 'sample' },
            { name: 'Tag', value: 'tag' },
          ],
          default: 'dataset',
        },
        ...datasetOperations,
        ...sampleOperations,
        ...tagOperations,
        ...exportOperations,
        datasetIdProperty({ resource: ['sample', 'tag', 'export'] }),
        ...datasetFields,
        ...sampleFields,
        ...tagFields,
        ...exportFields,
      ],
    };
  }

  methods = { loadOptions: { getDatasets } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const resource = this.getNodeParameter('resource', 0) as string;
    const operation = this.getNodeParameter('operation', 0) as string;
    const run = operations[resource]?.[operation];
    if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not known`);
    return withPlatformClient(this, (client) => executePerItem(this, (itemIndex) => run(this, client, itemIndex)));
  }
}
