import { VersionedNodeType, type INodeTypeBaseDescription, type IVersionedNodeType } from 'n8n-workflow';
import { WinnowUploadMetadataV1 } from './V1/WinnowUploadMetadataV1.node';

export class WinnowUploadMetadata extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Winnow Upload Metadata',
      name: 'winnowUploadMetadata',
      icon: { light: 'file:winnowUploadMetadata.svg', dark: 'file:winnowUploadMetadata.dark.svg' },
      group: ['output'],
      description: 'Validate a Lightly custom-metadata JSON file and attach it to the samples of a dataset',
      defaultVersion: 1,
    };
    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new WinnowUploadMetadataV1(baseDescription),
    };
    super(nodeVersions, baseDescription);
  }
}
