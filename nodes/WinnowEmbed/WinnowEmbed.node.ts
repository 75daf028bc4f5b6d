import { VersionedNodeType, type INodeTypeBaseDescription, type IVersionedNodeType } from 'n8n-workflow';
import { WinnowEmbedV1 } from './V1/WinnowEmbedV1.node';

export class WinnowEmbed extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Winnow Embed',
      name: 'winnowEmbed',
      icon: { light: 'file:winnowEmbed.svg', dark: 'file:winnowEmbed.dark.svg' },
      group: ['transform'],
      description: 'Embed the images of a folder with an ONNX model (default EfficientNet-Lite0, ImageNet) into a Lightly embeddings CSV, resuming where it stopped',
      defaultVersion: 1,
    };
    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new WinnowEmbedV1(baseDescription),
    };
    super(nodeVersions, baseDescription);
  }
}
