import type { INodeProperties } from 'n8n-workflow';

export const exportOperations: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['export'] } },
    options: [
      {
        name: 'File Names',
        value: 'fileNames',
        description: 'The file names in a tag, e.g. to hand to a labeling tool',
        action: 'Export the file names of a tag',
      },
    ],
    default: 'fileNames',
  },
];

export const exportFields: INodeProperties[] = [
  /* -------------------------------------------------------------------------- */
  /*                               export:fileNames                             */
  /* -------------------------------------------------------------------------- */
  {
    displayName: 'Find Tag By',
    name: 'findBy',
    type: 'options',
    options: [
      { name: 'ID', value: 'id' },
      { name: 'Name', value: 'name' },
    ],
    default: 'name',
    displayOptions: { show: { resource: ['export'] } },
  },
  {
    displayName: 'Tag ID',
    name: 'tagId',
    type: 'string',
    required: true,
    default: '',
    displayOptions: { show: { resource: ['export'], findBy: ['id'] } },
  },
  {
    displayName: 'Tag Name',
    name: 'tagName',
    type: 'string',
    required: true,
    default: '',
    displayOptions: { show: { resource: ['export'], findBy: ['name'] } },
  },
  {
    displayName: 'Output',
    name: 'output',
    type: 'options',
    options: [
      { name: 'One Item per File', value: 'itemPerFile', description: 'Each output item is one file name' },
      { name: 'Single Item With a List', value: 'list', description: 'One output item with a fileNames array' },
    ],
    default: 'itemPerFile',
    displayOptions: { show: { resource: ['export'] } },
  },
];
