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
import { tagSelection } from './transport';

// eslint-disable-next-line @n8n/community-nodes/icon-validation -- the icon is set once, in the version shell's base description
export class WinnowTagV1 implements INodeType {
  description: INodeTypeDescription;

  constructor(baseDescription: INodeTypeBaseDescription) {
    this.description = {
      ...baseDescription,
      version: 1,
      subtitle: '={{$parameter["tagName"]}}',
      defaults: { name: 'Winnow Tag' },
      usableAsTool: true,
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: 'winnowApi', required: true }],
      properties: [
        datasetIdProperty({}, DATASET_FROM_ITEM),
        {
          displayName: 'Tag Name',
          name: 'tagName',
          type: 'string',
          default: '',
          required: true,
          placeholder: "nightly-{{ $now.toFormat('yyyy-MM-dd') }}",
          description: 'At least 3 characters',
        },
        {
          displayName: 'Selection Source',
          name: 'selectionSource',
          type: 'options',
          options: [
            { name: 'Selection File', value: 'file', description: 'One file name per line, as written by Winnow Select' },
            { name: 'File Names', value: 'list', description: 'File names typed in or mapped from earlier items' },
          ],
          default: 'file',
        },
        {
          displayName: 'Selection File',
          name: 'selectionFile',
          type: 'string',
          default: '={{ $json.selectionFile }}',
          required: true,
          displayOptions: { show: { selectionSource: ['file'] } },
        },
        {
          displayName: 'File Names',
          name: 'fileNames',
          type: 'string',
          typeOptions: { rows: 4 },
          default: '',
          required: true,
          placeholder: 'cows/1.jpg\nsheep/7.jpg',
          description: 'One file name per line (or comma-separated)',
          displayOptions: { show: { selectionSource: ['list'] } },
        },
        {
          displayName: 'If Tag Exists',
          name: 'ifExists',
          type: 'options',
          options: [
            { name: 'Fail', value: 'fail', description: 'Stop with an error' },
            { name: 'Keep Existing', value: 'keep', description: 'Return the existing tag unchanged (reruns are no-ops)' },
            { name: 'Replace', value: 'replace', description: 'Delete the existing tag and create it again' },
          ],
          default: 'fail',
        },
        {
          displayName: 'Options',
          name: 'options',
          type: 'collection',
          placeholder: 'Add Option',
          default: {},
          options: [
            {
              displayName: 'Parent Tag ID',
              name: 'parentTagId',
              type: 'string',
              default: '',
              description: 'The tag the selection was made from; initial-tag when empty',
            },
          ],
        },
      ],
    };
  }

  methods = { loadOptions: { getDatasets } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return executePerItem(this, (itemIndex) => tagSelection(this, itemIndex), { keepInputFields: true });
  }
}
