import { useEffect, useState } from 'react';
import { LIFECYCLE_STAGE_NAMES, PARTY_ROLE_NAMES, type BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import { useApp } from '../context.ts';

type Loaded = { id: string; record: BuildingLifecycle } | { id: string; missing: true } | { id: string; error: string };

const TEXT = {
  zh: { title: '全生命周期', loading: '正在读取建设档案…', missing: '该建筑暂无建设档案记录', failed: '建设档案读取失败', parties: '责任主体', inspections: '安全检查', creditCode: '统一社会信用代码', result: { pass: '合格', rectify: '限期整改', fail: '不合格' } as Record<string, string>, print: '打印建筑档案' },
  en: { title: 'Lifecycle', loading: 'Reading the record…', missing: 'No lifecycle record for this building', failed: 'The record could not be read', parties: 'Responsible parties', inspections: 'Safety inspections', creditCode: 'Credit code', result: { pass: 'Pass', rectify: 'Rectify', fail: 'Fail' } as Record<string, string>, print: 'Print building report' },
};

/**
 * A building's lifecycle record (建设工程全生命周期) from the lifecycle API: the stages with dates,
 * document numbers and authorities; the responsible parties; the inspections. A clear empty state
 * when the building has none.
 */
export function LifecycleTimeline({ buildingId, apiUrl }: { buildingId: string; apiUrl: string }) {
  const language = useApp((s) => s.language);
  const t = TEXT[language];
  const [loaded, setLoaded] = useState<Loaded>();
  // Edited at another desk (or through another server process): the stream says so, and the record is read again.
  const changed = useApp((s) => (s.lastLifecycleChange && (s.lastLifecycleChange.id === buildingId || s.lastLifecycleChange.id === '*') ? s.lastLifecycleChange.n : 0));
  useEffect(() => {
    let cancelled = false;
    fetch(`${apiUrl}/buildings/${encodeURIComponent(buildingId)}/lifecycle`, { cache: 'no-store' })
      .then(async (response) => {
        if (cancelled) return;
        if (response.status === 404) setLoaded({ id: buildingId, missing: true });
        else if (!response.ok) setLoaded({ id: buildingId, error: `HTTP ${response.status}` });
        else setLoaded({ id: buildingId, record: (await response.json()) as BuildingLifecycle });
      })
      .catch((error: unknown) => !cancelled && setLoaded({ id: buildingId, error: error instanceof Error ? error.message : String(error) }));
    return () => {
      cancelled = true;
    };
  }, [buildingId, apiUrl, changed]);
  const current = loaded?.id === buildingId ? loaded : undefined;
  return (
    <section className="lifecycle" data-testid="lifecycle" aria-label={t.title}>
      <h3>{t.title}</h3>
      {!current ? (
        <p className="muted">{t.loading}</p>
      ) : 'missing' in current ? (
        <p className="empty-state" data-testid="lifecycle-empty">{t.missing}</p>
      ) : 'error' in current ? (
        <p className="error">{`${t.failed}: ${current.error}`}</p>
      ) : (
        <>
          <ol className="stages" data-testid="lifecycle-stages">
            {current.record.stages.map((stage, i) => (
              <li key={i} data-stage={stage.stage}>
                <span className="date">{stage.date}</span>
                <strong>{LIFECYCLE_STAGE_NAMES[stage.stage][language]}</strong>
                {stage.documentNumber && <span className="document">{stage.documentNumber}</span>}
                {stage.authority && <span className="authority">{stage.authority}</span>}
                {stage.note && <span className="note">{stage.note}</span>}
              </li>
            ))}
          </ol>
          <h4>{t.parties}</h4>
          <table className="properties parties" data-testid="lifecycle-parties">
            <tbody>
              {current.record.parties.map((party, i) => (
                <tr key={i}>
                  <th scope="row">{PARTY_ROLE_NAMES[party.role][language]}</th>
                  <td>
                    {party.name}
                    <code title={t.creditCode}>{party.creditCode}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {current.record.inspections.length > 0 && (
            <>
              <h4>{t.inspections}</h4>
              <ul className="inspections">
                {current.record.inspections.map((inspection, i) => (
                  <li key={i} className={inspection.result}>
                    {inspection.date} · {t.result[inspection.result]} · {inspection.inspector}
                  </li>
                ))}
              </ul>
            </>
          )}
          <button type="button" className="link print" onClick={() => window.print()}>
            {t.print}
          </button>
        </>
      )}
    </section>
  );
}
