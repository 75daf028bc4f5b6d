import { createHash } from 'node:crypto';
import type { PipelineConfig } from './config';

/**
 * The id of a pipeline run, derived from the dataset and the whole (defaulted) config: starting the same pipeline twice
 * gives the same id, so Temporal rejects the second start instead of running it twice.
 *
 * @example pipelineWorkflowId(config) // → 'winnow-cats-3f9a1c0b7d2e'
 */
export function pipelineWorkflowId(config: PipelineConfig): string {
  const digest = createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 12);
  return `winnow-${slug(config.dataset)}-${digest}`;
}

/** JSON with object keys sorted at every level, so key order in the config file does not change the id. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function slug(name: string): string {
  // Workflow ids are free text, but ids that survive URLs and shell quoting are easier to operate.
  const s = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 60) || 'dataset';
}
