import { useState, type FormEvent } from 'react';
import type { Api } from '../api';
import type { DatasetState } from '../dataset-data';
import type { Selection } from '../selection';
import { changeTagMembers, editableTags } from '../tag-edits';

/**
 * "N selected — add to tag / remove from tag / clear": the same bar under Explore, the map and the Sampling preview.
 * Typing a new name makes a new tag; an existing name adds to (or removes from) that tag.
 */
export function SelectionBar({ api, datasetId, data, selection, extra }: { api: Api; datasetId: string; data: DatasetState; selection: Selection; extra?: React.ReactNode }) {
  const [name, setName] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const tags = editableTags(data.tags);
  const existing = tags.some((t) => t.name === name.trim());

  const run = async (change: 'add' | 'remove') => {
    setBusy(true);
    setError(null);
    try {
      setMessage(await changeTagMembers(api, datasetId, data.tags, data.sampleCount, name.trim(), selection.set, change));
      await data.reloadTags();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run('add');
  };
  if (selection.size === 0) {
    return message === null ? null : (
      <p className="selection-message" role="status">
        {message}
      </p>
    );
  }
  return (
    <form className="selection-bar" aria-label="Selection" onSubmit={submit}>
      <strong data-testid="selected-count">{selection.size.toLocaleString()} selected</strong>
      <label htmlFor="selection-tag">Selection tag</label>
      <input id="selection-tag" list="selection-tag-names" value={name} onChange={(e) => setName(e.target.value)} placeholder="new or existing tag" minLength={3} required />
      <datalist id="selection-tag-names">
        {tags.map((t) => (
          <option key={t.id} value={t.name} />
        ))}
      </datalist>
      <button type="submit" disabled={busy || name.trim().length < 3}>
        Add to tag
      </button>
      <button type="button" className="secondary" disabled={busy || !existing} onClick={() => void run('remove')}>
        Remove from tag
      </button>
      {extra}
      <button type="button" className="secondary" onClick={selection.clear}>
        Clear selection
      </button>
      {error !== null && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
      {message !== null && error === null && <span role="status">{message}</span>}
    </form>
  );
}
