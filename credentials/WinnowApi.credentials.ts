import type {
  IAuthenticateGeneric,
  ICredentialTestRequest,
  ICredentialType,
  Icon,
  INodeProperties,
} from 'n8n-workflow';

/**
 * The Winnow curation platform (Lightly v1 API shapes): its URL and an API token sent as `Authorization: Bearer`.
 * The "Test credential" button lists one dataset, the cheapest authenticated call.
 */
export class WinnowApi implements ICredentialType {
  name = 'winnowApi';

  displayName = 'Winnow API';

  documentationUrl = 'https://github.com/winnow-curation/n8n-nodes-winnow#credentials';

  icon: Icon = { light: 'file:winnow.svg', dark: 'file:winnow.dark.svg' };

  properties: INodeProperties[] = [
    {
      displayName: 'Platform URL',
      name: 'baseUrl',
      type: 'string',
      default: '',
      placeholder: 'http://127.0.0.1:7878',
      description: 'Where `winnow serve` (or a Lightly-compatible platform) listens, without the /v1 path',
      required: true,
    },
    {
      displayName: 'API Token',
      name: 'apiToken',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      description: 'A token issued by the platform: `npx winnow token create` prints one (the CLI reads it from WINNOW_PLATFORM_TOKEN)',
      required: true,
    },
  ];

  authenticate: IAuthenticateGeneric = {
    type: 'generic',
    properties: {
      headers: {
        Authorization: '=Bearer {{$credentials.apiToken}}',
      },
    },
  };

  test: ICredentialTestRequest = {
    request: {
      baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
      url: '/v1/datasets',
      qs: { pageSize: 1 },
    },
    rules: [
      {
        type: 'responseCode',
        properties: {
          value: 401,
          message: 'The platform rejected the API token: check it, or issue a new one on the platform',
        },
      },
      {
        type: 'responseCode',
        properties: {
          value: 404,
          message: 'No Winnow API at this URL: the Platform URL should be the server root, without /v1',
        },
      },
    ],
  };
}
