import { VersionedNodeType, type INodeTypeBaseDescription, type IVersionedNodeType } from 'n8n-workflow';
import { WinnowTagV1 } from './V1/WinnowTagV1.node';

export class WinnowTag extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Winnow Tag',
      name: 'winnowTag',
      icon: { light: 'file:winnowTag.svg', dark: 'file:winnowTag.dark.svg' },
      group: ['output'],
      description: 'Tag a selection of images in a dataset on the Winnow platform, ready to export for labeling',
      defaultVersion: 1,
    };
    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new WinnowTagV1(baseDescription),
    };
    super(nodeVersions, baseDescription);
  }
}
