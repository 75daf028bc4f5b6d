import { VersionedNodeType, type INodeTypeBaseDescription, type IVersionedNodeType } from 'n8n-workflow';
import { WinnowPipelineV1 } from './V1/WinnowPipelineV1.node';

export class WinnowPipeline extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Winnow Pipeline',
      name: 'winnowPipeline',
      icon: { light: 'file:winnowPipeline.svg', dark: 'file:winnowPipeline.dark.svg' },
      group: ['transform'],
      description: 'Start the durable curation pipeline on Temporal workers, wait for it, check on it or cancel it',
      defaultVersion: 1,
    };
    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new WinnowPipelineV1(baseDescription),
    };
    super(nodeVersions, baseDescription);
  }
}
