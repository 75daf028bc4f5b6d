import type {
  ICredentialDataDecryptedObject,
  ICredentialTestRequest,
  ICredentialType,
  Icon,
  IHttpRequestOptions,
  INodeProperties,
} from 'n8n-workflow';
import { signS3Request } from './s3-signature';

/**
 * An S3 or S3-compatible store (MinIO, Ceph, R2, …). Requests are signed with Signature V4 in `authenticate`; the
 * "Test credential" button lists the buckets, the one call every key pair can be checked with without a bucket name.
 */
export class WinnowS3 implements ICredentialType {
  name = 'winnowS3';

  displayName = 'Winnow S3';

  documentationUrl = 'https://github.com/winnow-curation/n8n-nodes-winnow#credentials';

  icon: Icon = { light: 'file:winnow.svg', dark: 'file:winnow.dark.svg' };

  properties: INodeProperties[] = [
    {
      displayName: 'Access Key ID',
      name: 'accessKeyId',
      type: 'string',
      default: '',
      required: true,
    },
    {
      displayName: 'Secret Access Key',
      name: 'secretAccessKey',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      required: true,
    },
    {
      displayName: 'Session Token',
      name: 'sessionToken',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      description: 'Only for temporary credentials issued by AWS STS',
    },
    {
      displayName: 'Region',
      name: 'region',
      type: 'string',
      default: 'us-east-1',
      description: 'Region of the buckets; S3-compatible stores usually accept us-east-1',
    },
    {
      displayName: 'Custom Endpoint',
      name: 'endpoint',
      type: 'string',
      default: '',
      placeholder: 'http://127.0.0.1:9000',
      description: 'Endpoint of an S3-compatible store such as MinIO. Leave empty for AWS.',
    },
    {
      displayName: 'Force Path Style',
      name: 'forcePathStyle',
      type: 'boolean',
      default: false,
      description: 'Whether to address buckets as endpoint/bucket/key instead of bucket.endpoint/key, as MinIO needs',
    },
  ];

  async authenticate(
    credentials: ICredentialDataDecryptedObject,
    requestOptions: IHttpRequestOptions,
  ): Promise<IHttpRequestOptions> {
    return signS3Request(credentials, requestOptions);
  }

  test: ICredentialTestRequest = {
    request: {
      baseURL:
        '={{$credentials.endpoint ? $credentials.endpoint.replace(/\\/+$/, "") : "https://s3." + ($credentials.region || "us-east-1") + ".amazonaws.com"}}',
      url: '/',
      method: 'GET',
    },
    rules: [
      {
        type: 'responseCode',
        properties: {
          value: 403,
          message:
            'S3 refused the key pair: check the access key ID, secret and region (a key that may not list buckets fails this test too)',
        },
      },
    ],
  };
}
