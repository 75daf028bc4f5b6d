import { VersionedNodeType, type INodeTypeBaseDescription, type IVersionedNodeType } from 'n8n-workflow';
import { WinnowHealthV1 } from './V1/WinnowHealthV1.node';

export class WinnowHealth extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Winnow Health',
      name: 'winnowHealth',
      icon: { light: 'file:winnowHealth.svg', dark: 'file:winnowHealth.dark.svg' },
      group: ['transform'],
      description: 'Find exact and near duplicates (with a keeper), outliers and blurry, dark or over-exposed images; pass on what remains',
      defaultVersion: 1,
    };
    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new WinnowHealthV1(baseDescription),
    };
    super(nodeVersions, baseDescription);
  }
}
