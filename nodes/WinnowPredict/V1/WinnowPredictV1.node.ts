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
import { predictFolder } from './transport';

// eslint-disable-next-line @n8n/community-nodes/icon-validation -- the icon is set once, in the version shell's base description
export class WinnowPredictV1 implements INodeType {
  description: INodeTypeDescription;

  constructor(baseDescription: INodeTypeBaseDescription) {
    this.description = {
      ...baseDescription,
      version: 1,
      subtitle: '={{$parameter["task"]}}',
      defaults: { name: 'Winnow Predict' },
      usableAsTool: true,
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      credentials: [{ name: 'winnowApi', required: true, displayOptions: { show: { storeOnPlatform: [true] } } }],
      properties: [
        {
          displayName: 'Image Folder',
          name: 'imageFolder',
          type: 'string',
          default: '={{ $json.imageFolder ?? $json.localFolder }}',
          required: true,
          description: 'Folder of images on the n8n host, e.g. the Local Folder of a Winnow S3 Sync node',
        },
        {
          displayName: 'Task',
          name: 'task',
          type: 'string',
          default: 'classifier',
          required: true,
          description: 'Name of the prediction task: its folder under .lightly/predictions and the task of SCORES / PREDICTIONS selection inputs',
        },
        {
          displayName: 'Model',
          name: 'model',
          type: 'string',
          default: 'default',
          description:
            "default: the built-in model's ImageNet-1k classifier (works offline). Or a path to your .onnx classifier or detector on the n8n host, described by a Model Config.",
        },
        {
          displayName: 'Model Config',
          name: 'modelConfig',
          type: 'string',
          default: '',
          placeholder: '/models/my-detector.json',
          description:
            'For an .onnx model: path of its JSON config — taskType, categories, input preprocessing and output decoding (softmax logits; or boxes + scores + classes with NMS)',
        },
        {
          displayName: 'Output Folder',
          name: 'outputFolder',
          type: 'string',
          default: '',
          description: 'Where .lightly/predictions is written (empty: inside the Image Folder, where Lightly keeps it)',
        },
        {
          displayName: 'Store on Platform',
          name: 'storeOnPlatform',
          type: 'boolean',
          default: false,
          description:
            'Whether to store the predictions on a dataset (per sample, with their uncertainty scores), for the web app and SCORES / PREDICTIONS selection inputs',
        },
        { ...datasetIdProperty(), displayOptions: { show: { storeOnPlatform: [true] } } },
      ],
    };
  }

  methods = { loadOptions: { getDatasets } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return executePerItem(this, (itemIndex) => predictFolder(this, itemIndex), { keepInputFields: true });
  }
}
