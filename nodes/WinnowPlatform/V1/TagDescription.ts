import type { INodeProperties } from 'n8n-workflow';

export const tagOperations: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['tag'] } },
    options: [
      {
        name: 'Combine',
        value: 'combine',
        description: 'Union, intersection or difference of two tags, optionally saved as a new tag',
        action: 'Combine two tags',
      },
      { name: 'Create', value: 'create', description: 'Create a tag from a list of file names', action: 'Create a tag' },
      { name: 'Delete', value: 'delete', description: 'Delete a tag', action: 'Delete a tag' },
      { name: 'Get', value: 'get', description: 'Get a tag by ID or name', action: 'Get a tag' },
      { name: 'Get Many', value: 'getAll', description: 'List the tags of a dataset', action: 'Get many tags' },
    ],
    default: 'get',
  },
];

export const tagFields: INodeProperties[] = [
  /* -------------------------------------------------------------------------- */
  /*                                  tag:create                                */
  /* -------------------------------------------------------------------------- */
  {
    displayName: 'Tag Name',
    name: 'tagName',
    type: 'string',
    required: true,
    default: '',
    placeholder: 'to-label-2026-11',
    displayOptions: { show: { resource: ['tag'], operation: ['create'] } },
  },
  {
    displayName: 'File Names',
    name: 'fileNames',
    type: 'string',
    typeOptions: { rows: 4 },
    required: true,
    default: '',
    placeholder: 'cows/1.jpg\nsheep/7.jpg',
    description: 'One file name per line (or comma-separated), as the samples are named on the platform',
    displayOptions: { show: { resource: ['tag'], operation: ['create'] } },
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    displayOptions: { show: { resource: ['tag'], operation: ['create'] } },
    options: [
      {
        displayName: 'Parent Tag ID',
        name: 'parentTagId',
        type: 'string',
        default: '',
        description: 'The tag this one was selected from; initial-tag when empty',
      },
    ],
  },
  /* -------------------------------------------------------------------------- */
  /*                                tag:get, delete                             */
  /* -------------------------------------------------------------------------- */
  {
    displayName: 'Find By',
    name: 'findBy',
    type: 'options',
    options: [
      { name: 'ID', value: 'id' },
      { name: 'Name', value: 'name' },
    ],
    default: 'name',
    displayOptions: { show: { resource: ['tag'], operation: ['get', 'delete'] } },
  },
  {
    displayName: 'Tag ID',
    name: 'tagId',
    type: 'string',
    required: true,
    default: '',
    displayOptions: { show: { resource: ['tag'], operation: ['get', 'delete'], findBy: ['id'] } },
  },
  {
    displayName: 'Tag Name',
    name: 'tagName',
    type: 'string',
    required: true,
    default: '',
    placeholder: 'initial-tag',
    displayOptions: { show: { resource: ['tag'], operation: ['get', 'delete'], findBy: ['name'] } },
  },
  /* -------------------------------------------------------------------------- */
  /*                                  tag:combine                               */
  /* -------------------------------------------------------------------------- */
  {
    displayName: 'First Tag ID',
    name: 'tagId1',
    type: 'string',
    required: true,
    default: '',
    displayOptions: { show: { resource: ['tag'], operation: ['combine'] } },
  },
  {
    displayName: 'Operation',
    name: 'combineOperation',
    type: 'options',
    options: [
      { name: 'Union', value: 'UNION', description: 'Samples in either tag' },
      { name: 'Intersection', value: 'INTERSECTION', description: 'Samples in both tags' },
      { name: 'Difference', value: 'DIFFERENCE', description: 'Samples in the first tag but not the second' },
    ],
    default: 'UNION',
    displayOptions: { show: { resource: ['tag'], operation: ['combine'] } },
  },
  {
    displayName: 'Second Tag ID',
    name: 'tagId2',
    type: 'string',
    required: true,
    default: '',
    displayOptions: { show: { resource: ['tag'], operation: ['combine'] } },
  },
  {
    displayName: 'New Tag Name',
    name: 'newTagName',
    type: 'string',
    default: '',
    description: 'Save the result as a tag of this name; leave empty to only compute it',
    displayOptions: { show: { resource: ['tag'], operation: ['combine'] } },
  },
];
