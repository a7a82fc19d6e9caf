import { rawValueText, unitOf } from '../domain/property-values.ts';
import type { PropertyEntry } from '../store/index.ts';
import { useDictionary, useLayerDictionary } from './context.ts';

/**
 * A property's value as stored (every digit, the string as it is), its unit (from the schema, else
 * the project's property names) and, for a known code, its translation beside it.
 */
export function PropertyValue({ entry }: { entry: PropertyEntry }) {
  const t = useDictionary();
  const l = useLayerDictionary();
  const { value, definition } = entry;
  if (value === undefined || value === null) return <span className="raw no-data" title={l.noData}>—</span>;
  const raw = rawValueText(value, definition?.componentType);
  const unit = typeof value === 'string' ? undefined : unitOf(entry.id, definition);
  const translation = typeof value === 'string' ? t.value[value] : undefined;
  return (
    <>
      <span className="raw">{raw}</span>
      {raw === '' && <span className="muted">{l.emptyString}</span>}
      {unit && <span className="unit">{unit}</span>}
      {translation && translation !== raw && <span className="translation">{translation}</span>}
    </>
  );
}

/** Rows of properties: label (the stored field name on hover) and value as stored. */
export function PropertyTable({ entries, testId }: { entries: readonly PropertyEntry[]; testId?: string }) {
  const t = useDictionary();
  const l = useLayerDictionary();
  return (
    <table className="properties" data-testid={testId}>
      <tbody>
        {entries.map((p) => (
          <tr key={p.id} data-property={p.id}>
            <th scope="row" title={l.storedAs(p.id, [p.definition?.type, p.definition?.componentType].filter(Boolean).join(' '))}>
              {t.property[p.id] ?? p.definition?.name ?? p.id}
            </th>
            <td>
              <PropertyValue entry={p} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
