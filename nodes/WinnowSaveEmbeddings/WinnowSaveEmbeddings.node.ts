import { VersionedNodeType, type INodeTypeBaseDescription, type IVersionedNodeType } from 'n8n-workflow';
import { WinnowSaveEmbeddingsV1 } from './V1/WinnowSaveEmbeddingsV1.node';

export class WinnowSaveEmbeddings extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Winnow Save Embeddings',
      name: 'winnowSaveEmbeddings',
      icon: { light: 'file:winnowSaveEmbeddings.svg', dark: 'file:winnowSaveEmbeddings.dark.svg' },
      group: ['output'],
      description: 'Validate, merge and save Lightly embeddings CSVs, and upload them with their samples to the platform',
      defaultVersion: 1,
    };
    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new WinnowSaveEmbeddingsV1(baseDescription),
    };
    super(nodeVersions, baseDescription);
  }
}
