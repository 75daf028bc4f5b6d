import { VersionedNodeType, type INodeTypeBaseDescription, type IVersionedNodeType } from 'n8n-workflow';
import { WinnowS3SyncV1 } from './V1/WinnowS3SyncV1.node';

export class WinnowS3Sync extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Winnow S3 Sync',
      name: 'winnowS3Sync',
      icon: { light: 'file:winnowS3Sync.svg', dark: 'file:winnowS3Sync.dark.svg' },
      group: ['input'],
      description: 'Mirror images from an S3 bucket into a local folder, downloading only new or changed objects',
      defaultVersion: 1,
    };
    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new WinnowS3SyncV1(baseDescription),
    };
    super(nodeVersions, baseDescription);
  }
}
