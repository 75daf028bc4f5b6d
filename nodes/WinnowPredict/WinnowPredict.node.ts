import { VersionedNodeType, type INodeTypeBaseDescription, type IVersionedNodeType } from 'n8n-workflow';
import { WinnowPredictV1 } from './V1/WinnowPredictV1.node';

export class WinnowPredict extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Winnow Predict',
      name: 'winnowPredict',
      icon: { light: 'file:winnowPredict.svg', dark: 'file:winnowPredict.dark.svg' },
      group: ['transform'],
      description: "Run a classifier or detector over images and write Lightly-format predictions; optionally store them (and their uncertainty scores) on a dataset",
      defaultVersion: 1,
    };
    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new WinnowPredictV1(baseDescription),
    };
    super(nodeVersions, baseDescription);
  }
}
