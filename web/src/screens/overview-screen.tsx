import { countBits } from '../bitmask';
import { href } from '../router';
import { EmptyDataset, type DatasetScreenProps } from './explore-screen';
import { useEmbeddings } from '../components/use-embeddings';
import { creatorInWords, isRunTag } from '../tag-edits';

/** A dataset at a glance: size, embeddings, tags, configured metadata fields. */
export function OverviewScreen({ api, datasetId, data }: DatasetScreenProps) {
  const { embeddings } = useEmbeddings(api, datasetId);
  const { dataset, tags, fields } = data;
  if (dataset === null) return <p role="status">Loading…</p>;
  const userTags = tags.filter((t) => t.name !== 'initial-tag' && !isRunTag(t));
  const runTags = tags.filter(isRunTag);
  return (
    <div className="page overview">
      <h1>{dataset.name}</h1>
      {dataset.nSamples === 0 && <EmptyDataset />}
      <dl className="props">
        <dt>Samples</dt>
        <dd data-testid="overview-samples">{dataset.nSamples.toLocaleString()}</dd>
        <dt>Dataset ID</dt>
        <dd>
          <code>{dataset.id}</code>
        </dd>
        <dt>Last modified</dt>
        <dd>{new Date(dataset.lastModifiedAt).toLocaleString()}</dd>
        <dt>Embeddings</dt>
        <dd>
          {embeddings === null
            ? '…'
            : embeddings.length === 0
              ? 'none yet (winnow run uploads them)'
              : embeddings.map((e) => `${e.name}${e.isProcessed ? '' : ' (not uploaded yet)'}`).join(', ')}
        </dd>
        <dt>Metadata fields</dt>
        <dd>{fields.length === 0 ? 'none configured' : fields.map((f) => `${f.name} (${f.path})`).join(', ')}</dd>
        <dt>Tags</dt>
        <dd>
          {userTags.length === 0
            ? 'none yet'
            : userTags.map((t, k) => (
                <span key={t.id}>
                  {k > 0 && ', '}
                  <a href={href(['datasets', datasetId, 'explore'], new URLSearchParams({ tag: t.id }))}>{t.name}</a> ({countBits(t.bitMaskData).toLocaleString()}, by {creatorInWords(t)})
                </span>
              ))}
        </dd>
        <dt>Sampling runs</dt>
        <dd>{runTags.length === 0 ? 'none yet' : runTags.map((t) => t.name).join(', ')}</dd>
      </dl>
    </div>
  );
}
