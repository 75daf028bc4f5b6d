/** Where the Temporal face connects when no flag says otherwise: the same env vars the `temporal` CLI reads. */
export const DEFAULT_TASK_QUEUE = 'winnow';

export function temporalAddress(address?: string): string {
  return address ?? process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
}

export function temporalNamespace(namespace?: string): string {
  return namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default';
}
