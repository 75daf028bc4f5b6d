import { VersionedNodeType, type INodeTypeBaseDescription, type IVersionedNodeType } from 'n8n-workflow';
import { WinnowSelectV1 } from './V1/WinnowSelectV1.node';

export class WinnowSelect extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Winnow Select',
      name: 'winnowSelect',
      icon: { light: 'file:winnowSelect.svg', dark: 'file:winnowSelect.dark.svg' },
      group: ['transform'],
      description: 'Select the most useful images to label: coreset diversity, metadata weights, thresholds, balance or similarity',
      defaultVersion: 1,
    };
    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new WinnowSelectV1(baseDescription),
    };
    super(nodeVersions, baseDescription);
  }
}
