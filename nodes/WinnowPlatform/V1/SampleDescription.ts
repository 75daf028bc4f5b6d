import type { INodeProperties } from 'n8n-workflow';

export const sampleOperations: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['sample'] } },
    options: [
      { name: 'Get', value: 'get', description: 'Get a sample by ID', action: 'Get a sample' },
      { name: 'Get Many', value: 'getAll', description: 'List the samples of a dataset in dataset order', action: 'Get many samples' },
      {
        name: 'Update Custom Metadata',
        value: 'updateCustomMetadata',
        description: "Replace a sample's custom metadata",
        action: 'Update the custom metadata of a sample',
      },
    ],
    default: 'getAll',
  },
];

export const sampleFields: INodeProperties[] = [
  /* -------------------------------------------------------------------------- */
  /*                         sample:get, updateCustomMetadata                   */
  /* -------------------------------------------------------------------------- */
  {
    displayName: 'Sample ID',
    name: 'sampleId',
    type: 'string',
    required: true,
    default: '',
    displayOptions: { show: { resource: ['sample'], operation: ['get', 'updateCustomMetadata'] } },
  },
  {
    displayName: 'Custom Metadata',
    name: 'customMetadata',
    type: 'json',
    required: true,
    default: '{\n  "weather": "sunny"\n}',
    description: 'Any JSON object; it replaces the sample\'s custom metadata',
    displayOptions: { show: { resource: ['sample'], operation: ['updateCustomMetadata'] } },
  },
  /* -------------------------------------------------------------------------- */
  /*                                 sample:getAll                              */
  /* -------------------------------------------------------------------------- */
  {
    displayName: 'Return All',
    name: 'returnAll',
    type: 'boolean',
    default: false,
    description: 'Whether to return all results or only up to a given limit',
    displayOptions: { show: { resource: ['sample'], operation: ['getAll'] } },
  },
  {
    displayName: 'Limit',
    name: 'limit',
    type: 'number',
    typeOptions: { minValue: 1, maxValue: 500 },
    default: 100,
    description: 'Max number of results to return',
    displayOptions: { show: { resource: ['sample'], operation: ['getAll'], returnAll: [false] } },
  },
];
