import {
  NodeConnectionTypes,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeBaseDescription,
  type INodeTypeDescription,
} from 'n8n-workflow';
import { executePerItem } from '../../shared/execute-items';
import { embedFolder } from './transport';

// eslint-disable-next-line @n8n/community-nodes/icon-validation -- the icon is set once, in the version shell's base description
export class WinnowEmbedV1 implements INodeType {
  description: INodeTypeDescription;

  constructor(baseDescription: INodeTypeBaseDescription) {
    this.description = {
      ...baseDescription,
      version: 1,
      subtitle: '={{$parameter["imageFolder"]}}',
      defaults: { name: 'Winnow Embed' },
      usableAsTool: true,
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      properties: [
        {
          displayName: 'Image Folder',
          name: 'imageFolder',
          type: 'string',
          default: '={{ $json.localFolder }}',
          required: true,
          description: 'Folder of images on the n8n host, e.g. the Local Folder of a Winnow S3 Sync node',
        },
        {
          displayName: 'Embeddings CSV',
          name: 'embeddingsCsv',
          type: 'string',
          default: '',
          required: true,
          placeholder: '/data/winnow/farm-animals.embeddings.csv',
          description:
            'Where the Lightly embeddings CSV is written. Rows already in it are kept and only missing images are embedded, so a rerun after new images arrive is cheap.',
        },
        {
          displayName: 'Options',
          name: 'options',
          type: 'collection',
          placeholder: 'Add Option',
          default: {},
          options: [
            {
              displayName: 'Backend',
              name: 'backend',
              type: 'options',
              options: [
                { name: 'Automatic', value: 'auto', description: 'Native ONNX Runtime, or WebAssembly where it cannot load' },
                { name: 'Native', value: 'node' },
                { name: 'WebAssembly', value: 'wasm', description: 'Slower, but needs no native binary' },
              ],
              default: 'auto',
            },
            {
              displayName: 'Batch Size',
              name: 'batchSize',
              type: 'number',
              typeOptions: { minValue: 1, maxValue: 1024 },
              default: 32,
              description: 'Images per inference batch; also the most a crashed run has to redo',
            },
            {
              displayName: 'Model',
              name: 'model',
              type: 'string',
              default: 'efficientnet-lite0',
              description:
                'A built-in model (efficientnet-lite0: the default, EfficientNet-Lite0 ImageNet features, 1280 dimensions, shipped in the package, works offline; nsfwjs-mobilenet_v2: the earlier default), or a path to an .onnx image model. The CSV records which model made it, and resuming with another model is refused.',
            },
            {
              displayName: 'Model Config',
              name: 'modelConfig',
              type: 'string',
              default: '',
              placeholder: '/models/clip-vit-b32.json',
              description: 'For a custom model: path of its JSON config (input size, normalisation, output)',
            },
            {
              displayName: 'Start Over',
              name: 'startOver',
              type: 'boolean',
              default: false,
              description: 'Whether to discard the rows already in the CSV and embed every image again',
            },
            {
              displayName: 'Threads',
              name: 'threads',
              type: 'number',
              typeOptions: { minValue: 1, maxValue: 256 },
              default: 2,
              description: 'Threads for one inference (without this option: one per core; set fewer where other work shares the cores)',
            },
          ],
        },
      ],
    };
  }

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return executePerItem(this, (itemIndex) => embedFolder(this, itemIndex), { keepInputFields: true });
  }
}
