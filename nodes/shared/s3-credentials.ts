import type { ICredentialDataDecryptedObject, IExecuteFunctions, INodeProperties, INodeCredentialDescription } from 'n8n-workflow';
import type { S3Settings } from '../../src/s3/s3-settings';

/**
 * The "Authentication" choice shared by the nodes that read S3: Winnow's own S3 credential, or n8n's built-in AWS
 * credential for teams that already keep their keys there.
 */
export const s3AuthenticationProperty: INodeProperties = {
  displayName: 'Authentication',
  name: 'authentication',
  type: 'options',
  options: [
    { name: 'Winnow S3', value: 'winnowS3', description: 'Keys, region, custom endpoint (MinIO, R2, …) and path style' },
    { name: 'AWS (Built-In Credential)', value: 'aws', description: "n8n's own AWS credential" },
  ],
  default: 'winnowS3',
};

export const s3Credentials: INodeCredentialDescription[] = [
  { name: 'winnowS3', required: true, displayOptions: { show: { authentication: ['winnowS3'] } } },
  { name: 'aws', required: true, displayOptions: { show: { authentication: ['aws'] } } },
];

function text(value: unknown): string | undefined {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  return trimmed === '' ? undefined : trimmed;
}

/** Maps either credential onto the engine's S3Settings. */
export function toS3Settings(type: string, credentials: ICredentialDataDecryptedObject): S3Settings {
  if (type === 'aws') {
    // n8n's AWS credential keeps the S3 endpoint behind "Custom Endpoints" and the token behind "Temporary
    // Security Credentials"; a custom S3 endpoint there is almost always MinIO-like, hence path style.
    const endpoint = credentials.customEndpoints ? text(credentials.s3Endpoint) : undefined;
    return {
      accessKeyId: text(credentials.accessKeyId),
      secretAccessKey: text(credentials.secretAccessKey),
      sessionToken: credentials.temporaryCredentials ? text(credentials.sessionToken) : undefined,
      region: text(credentials.region) ?? 'us-east-1',
      endpoint: endpoint?.replace('{region}', text(credentials.region) ?? 'us-east-1'),
      forcePathStyle: endpoint !== undefined,
    };
  }
  return {
    accessKeyId: text(credentials.accessKeyId),
    secretAccessKey: text(credentials.secretAccessKey),
    sessionToken: text(credentials.sessionToken),
    region: text(credentials.region) ?? 'us-east-1',
    endpoint: text(credentials.endpoint),
    forcePathStyle: Boolean(credentials.forcePathStyle),
  };
}

/** Reads the credential the node's "Authentication" parameter names. */
export async function getS3Settings(ctx: IExecuteFunctions, itemIndex: number): Promise<S3Settings> {
  const type = ctx.getNodeParameter('authentication', itemIndex, 'winnowS3') as string;
  return toS3Settings(type, await ctx.getCredentials(type, itemIndex));
}
