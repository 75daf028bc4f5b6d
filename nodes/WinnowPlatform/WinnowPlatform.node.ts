import { VersionedNodeType, type INodeTypeBaseDescription, type IVersionedNodeType } from 'n8n-workflow';
import { WinnowPlatformV1 } from './V1/WinnowPlatformV1.node';

export class WinnowPlatform extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Winnow Platform',
      name: 'winnowPlatform',
      icon: { light: 'file:winnowPlatform.svg', dark: 'file:winnowPlatform.dark.svg' },
      group: ['transform'],
      description: 'Manage datasets, samples and tags on the Winnow curation platform, and export tagged file names',
      defaultVersion: 1,
    };
    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new WinnowPlatformV1(baseDescription),
    };
    super(nodeVersions, baseDescription);
  }
}
