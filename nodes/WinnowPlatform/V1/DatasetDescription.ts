import type { INodeProperties } from 'n8n-workflow';

export const datasetOperations: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['dataset'] } },
    options: [
      { name: 'Create', value: 'create', description: 'Create a dataset', action: 'Create a dataset' },
      { name: 'Delete', value: 'delete', description: 'Delete a dataset with its samples, tags and embeddings', action: 'Delete a dataset' },
      { name: 'Get', value: 'get', description: 'Get a dataset by ID or name', action: 'Get a dataset' },
      { name: 'Get Many', value: 'getAll', description: 'List datasets', action: 'Get many datasets' },
    ],
    default: 'get',
  },
];

export const datasetFields: INodeProperties[] = [
  /* -------------------------------------------------------------------------- */
  /*                                dataset:create                              */
  /* -------------------------------------------------------------------------- */
  {
    displayName: 'Name',
    name: 'name',
    type: 'string',
    required: true,
    default: '',
    placeholder: 'farm-animals',
    description: 'Unique dataset name, at least 3 characters, without slashes',
    displayOptions: { show: { resource: ['dataset'], operation: ['create'] } },
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    displayOptions: { show: { resource: ['dataset'], operation: ['create'] } },
    options: [
      {
        displayName: 'Reuse Existing',
        name: 'reuseExisting',
        type: 'boolean',
        default: false,
        description: 'Whether to return the dataset of that name when it exists instead of failing',
      },
    ],
  },
  /* -------------------------------------------------------------------------- */
  /*                              dataset:get, delete                           */
  /* -------------------------------------------------------------------------- */
  {
    displayName: 'Find By',
    name: 'findBy',
    type: 'options',
    options: [
      { name: 'ID', value: 'id' },
      { name: 'Name', value: 'name' },
    ],
    default: 'id',
    displayOptions: { show: { resource: ['dataset'], operation: ['get'] } },
  },
  {
    displayName: 'Dataset Name',
    name: 'datasetName',
    type: 'string',
    required: true,
    default: '',
    displayOptions: { show: { resource: ['dataset'], operation: ['get'], findBy: ['name'] } },
  },
  {
    displayName: 'Dataset Name or ID',
    name: 'datasetId',
    type: 'options',
    typeOptions: { loadOptionsMethod: 'getDatasets' },
    required: true,
    default: '',
    description: 'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
    displayOptions: { show: { resource: ['dataset'], operation: ['delete'] } },
  },
  {
    displayName: 'Dataset Name or ID',
    name: 'datasetId',
    type: 'options',
    typeOptions: { loadOptionsMethod: 'getDatasets' },
    required: true,
    default: '',
    description: 'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
    displayOptions: { show: { resource: ['dataset'], operation: ['get'], findBy: ['id'] } },
  },
  /* -------------------------------------------------------------------------- */
  /*                                dataset:getAll                              */
  /* -------------------------------------------------------------------------- */
  {
    displayName: 'Return All',
    name: 'returnAll',
    type: 'boolean',
    default: false,
    description: 'Whether to return all results or only up to a given limit',
    displayOptions: { show: { resource: ['dataset'], operation: ['getAll'] } },
  },
  {
    displayName: 'Limit',
    name: 'limit',
    type: 'number',
    typeOptions: { minValue: 1, maxValue: 500 },
    default: 100,
    description: 'Max number of results to return',
    displayOptions: { show: { resource: ['dataset'], operation: ['getAll'], returnAll: [false] } },
  },
];
