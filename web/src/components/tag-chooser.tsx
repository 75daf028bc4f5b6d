import type { TagData } from '../api';
import { countBits } from '../bitmask';

/** A labelled select of the dataset's tags; the empty choice means every sample. */
export function TagChooser({
  tags,
  value,
  onChange,
  label = 'Tag',
  allLabel = 'All samples',
}: {
  tags: TagData[];
  value: string;
  onChange: (tagId: string) => void;
  label?: string;
  allLabel?: string;
}) {
  const id = `tag-${label.replace(/\W/g, '-').toLowerCase()}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{allLabel}</option>
        {tags.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name} ({countBits(t.bitMaskData).toLocaleString()})
          </option>
        ))}
      </select>
    </div>
  );
}
