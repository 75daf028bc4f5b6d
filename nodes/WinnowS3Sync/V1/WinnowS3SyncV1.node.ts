import {
  NodeConnectionTypes,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeBaseDescription,
  type INodeTypeDescription,
} from 'n8n-workflow';
import { executePerItem } from '../../shared/execute-items';
import { s3AuthenticationProperty, s3Credentials } from '../../shared/s3-credentials';
import { syncBucketToFolder } from './transport';

// eslint-disable-next-line @n8n/community-nodes/icon-validation -- the icon is set once, in the version shell's base description
export class WinnowS3SyncV1 implements INodeType {
  description: INodeTypeDescription;

  constructor(baseDescription: INodeTypeBaseDescription) {
    this.description = {
      ...baseDescription,
      version: 1,
      subtitle: '={{"s3://" + $parameter["bucketName"] + "/" + $parameter["prefix"]}}',
      defaults: { name: 'Winnow S3 Sync' },
      usableAsTool: true,
      inputs: [NodeConnectionTypes.Main],
      outputs: [NodeConnectionTypes.Main],
      credentials: s3Credentials,
      properties: [
        s3AuthenticationProperty,
        {
          displayName: 'Bucket Name',
          name: 'bucketName',
          type: 'string',
          default: '',
          required: true,
          placeholder: 'datalake',
        },
        {
          displayName: 'Prefix',
          name: 'prefix',
          type: 'string',
          default: '',
          placeholder: 'projects/farm-animals',
          description: 'Folder inside the bucket; treated as a folder, so "photos" never matches "photos-old/". Empty syncs the whole bucket.',
        },
        {
          displayName: 'Local Folder',
          name: 'localFolder',
          type: 'string',
          default: '',
          required: true,
          placeholder: '/data/winnow/farm-animals',
          description: 'Folder on the n8n host that mirrors the prefix. A rerun downloads only new or changed objects.',
        },
        {
          displayName: 'Options',
          name: 'options',
          type: 'collection',
          placeholder: 'Add Option',
          default: {},
          options: [
            {
              displayName: 'Concurrency',
              name: 'concurrency',
              type: 'number',
              typeOptions: { minValue: 1, maxValue: 64 },
              default: 8,
              description: 'Objects downloaded at once',
            },
            {
              displayName: 'Delete Removed Files',
              name: 'deleteRemoved',
              type: 'boolean',
              default: false,
              description: 'Whether to delete local files whose object is gone from the bucket',
            },
            {
              displayName: 'Dry Run',
              name: 'dryRun',
              type: 'boolean',
              default: false,
              description: 'Whether to only report what would be downloaded, without writing anything',
            },
            {
              displayName: 'Exclude',
              name: 'exclude',
              type: 'string',
              default: '',
              placeholder: 'tmp/**, *.raw.jpg',
              description: 'Comma-separated globs of keys to leave out',
            },
            {
              displayName: 'Images Only',
              name: 'imagesOnly',
              type: 'boolean',
              default: true,
              description: 'Whether to take only keys with an image extension (jpg, png, webp, …)',
            },
            {
              displayName: 'Include',
              name: 'include',
              type: 'string',
              default: '',
              placeholder: '*.jpg, cows/**',
              description: 'Comma-separated globs; only matching keys are synced. A glob without "/" matches the file name at any depth.',
            },
          ],
        },
      ],
    };
  }

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return executePerItem(this, (itemIndex) => syncBucketToFolder(this, itemIndex), { keepInputFields: true });
  }
}
