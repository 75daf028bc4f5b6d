import { useEffect, useState } from 'react';
import type { Api, EmbeddingData } from '../api';

/** The dataset's embeddings, newest first, and the one chosen (the newest processed one to begin with). */
export function useEmbeddings(api: Api, datasetId: string) {
  const [embeddings, setEmbeddings] = useState<EmbeddingData[] | null>(null);
  const [embeddingId, setEmbeddingId] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .getEmbeddings(datasetId)
      .then((list) => {
        setEmbeddings(list);
        setEmbeddingId((current) => current || (list.find((e) => e.isProcessed)?.id ?? ''));
      })
      .catch((e: Error) => setError(e.message));
  }, [api, datasetId]);
  return { embeddings, embeddingId, setEmbeddingId, error };
}

export function EmbeddingChooser({ embeddings, value, onChange }: { embeddings: EmbeddingData[]; value: string; onChange: (id: string) => void }) {
  return (
    <div className="field">
      <label htmlFor="embedding">Embedding</label>
      <select id="embedding" value={value} onChange={(e) => onChange(e.target.value)}>
        {embeddings.length === 0 && <option value="">No embeddings uploaded</option>}
        {embeddings.map((e) => (
          <option key={e.id} value={e.id} disabled={!e.isProcessed}>
            {e.name}
            {e.isProcessed ? '' : ' — not uploaded yet'}
          </option>
        ))}
      </select>
    </div>
  );
}
