import {
  NodeConnectionTypes,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeBaseDescription,
  type INodeTypeDescription,
} from 'n8n-workflow';
import { executePerItem } from '../../shared/execute-items';
import { pipelineOperations } from './transport';

const start = { operation: ['start'] };

// eslint-disable-next-line @n8n/community-nodes/icon-validation -- the icon is set once, in the version shell's base description
export class WinnowPipelineV1 implements INodeType {
  description: INodeTypeDescription;

  constructor(baseDescription: INodeTypeBaseDescription) {
    this.description = {
      ...baseDescription,
      version: 1,
      subtitle: '={{$parameter["operation"]}}',
      defaults: { name: 'Winnow Pipeline' },
      usableAsTool: true,
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      properties: [
        {
          displayName: 'Operation',
          name: 'operation',
          type: 'options',
          noDataExpression: true,
          options: [
            { name: 'Cancel', value: 'cancel', description: 'Stop a running pipeline', action: 'Cancel a pipeline run' },
            { name: 'Get Status', value: 'getStatus', description: 'Progress, steps in flight, result or failure', action: 'Get the status of a pipeline run' },
            {
              name: 'Start',
              value: 'start',
              description: 'Start the curation pipeline on the Temporal workers; optionally wait for it',
              action: 'Start a pipeline run',
            },
          ],
          default: 'start',
        },
        {
          displayName: 'Temporal Address',
          name: 'temporalAddress',
          type: 'string',
          default: '127.0.0.1:7233',
          description: 'Frontend of the Temporal cluster the Winnow workers poll (`winnow worker`)',
        },
        {
          displayName: 'Namespace',
          name: 'namespace',
          type: 'string',
          default: 'default',
        },
        {
          displayName: 'Workflow ID',
          name: 'workflowId',
          type: 'string',
          default: '={{ $json.workflowId }}',
          required: true,
          displayOptions: { show: { operation: ['getStatus', 'cancel'] } },
        },
        {
          displayName: 'Cancel Mode',
          name: 'cancelMode',
          type: 'options',
          options: [
            { name: 'Cancel', value: 'cancel', description: 'Cancel the steps in flight (they clean up) and close the run' },
            { name: 'Stop After Current Steps', value: 'stop', description: 'Let the steps in flight finish, then complete as stopped' },
          ],
          default: 'cancel',
          displayOptions: { show: { operation: ['cancel'] } },
        },
        {
          displayName: 'Pipeline Config',
          name: 'pipelineConfig',
          type: 'json',
          required: true,
          default: JSON.stringify(
            {
              dataset: 'farm-animals',
              source: { bucket: 'datalake', prefix: 'farm-animals/', profile: 'default' },
              select: 100,
              selection: { strategy: 'coverage-diversity' },
              tag: { name: 'nightly-{date}' },
              platform: { url: 'http://127.0.0.1:7878', profile: 'default' },
              incremental: true,
            },
            null,
            2,
          ),
          description:
            'The pipeline config `winnow pipeline start` takes. It names credential profiles, never keys: the workers hold the secrets.',
          displayOptions: { show: start },
        },
        {
          displayName: 'Task Queue',
          name: 'taskQueue',
          type: 'string',
          default: 'winnow',
          displayOptions: { show: start },
        },
        {
          displayName: 'Wait for Completion',
          name: 'waitForCompletion',
          type: 'boolean',
          default: false,
          description: 'Whether to wait for the run to finish and return its result, instead of returning its ID at once',
          displayOptions: { show: start },
        },
        {
          displayName: 'Timeout (Minutes)',
          name: 'timeoutMinutes',
          type: 'number',
          typeOptions: { minValue: 1 },
          default: 60,
          description: 'How long to wait; the run goes on afterwards and the node returns its status',
          displayOptions: { show: { ...start, waitForCompletion: [true] } },
        },
      ],
    };
  }

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const operation = this.getNodeParameter('operation', 0) as keyof typeof pipelineOperations;
    return executePerItem(this, (itemIndex) => pipelineOperations[operation](this, itemIndex));
  }
}
