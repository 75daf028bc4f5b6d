import type { INodeProperties } from 'n8n-workflow';

/** "Input Source": a file path on the n8n host, or binary data from the previous node (e.g. Read File, HTTP). */
export function inputSourceProperties(options: {
  pathName: string;
  pathLabel: string;
  pathDefault: string;
  placeholder: string;
  description: string;
  show?: Record<string, string[]>;
}): INodeProperties[] {
  const show = options.show ?? {};
  return [
    {
      displayName: 'Input Source',
      name: 'inputSource',
      type: 'options',
      options: [
        { name: 'File Path', value: 'path', description: 'A file on the n8n host' },
        { name: 'Binary Data', value: 'binary', description: 'A file passed in by the previous node' },
      ],
      default: 'path',
      ...(Object.keys(show).length > 0 ? { displayOptions: { show } } : {}),
    },
    {
      displayName: options.pathLabel,
      name: options.pathName,
      type: 'string',
      default: options.pathDefault,
      required: true,
      placeholder: options.placeholder,
      description: options.description,
      displayOptions: { show: { ...show, inputSource: ['path'] } },
    },
    {
      displayName: 'Input Binary Field',
      name: 'binaryPropertyName',
      type: 'string',
      default: 'data',
      required: true,
      hint: 'The name of the input binary field containing the file',
      displayOptions: { show: { ...show, inputSource: ['binary'] } },
    },
  ];
}
