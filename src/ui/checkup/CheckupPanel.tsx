import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { formatIndicatorValue, INDICATORS, monthOf } from '../../domain/checkup/indicators.ts';
import { errorText } from '../../domain/error-text.ts';
import type { CheckupLevel } from '../../server/checkup/checkup-store.ts';
import { useApp, useServices } from '../context.ts';
import { checkupCsvUrl, checkupFigures, checkupTrend, checkupUnits, type CheckupAnswer, type CheckupTrend } from './checkup-api.ts';
import { checkupDictionaries } from './i18n.ts';
import './checkup.css';

const TrendChart = lazy(() => import('./TrendChart.tsx').then((module) => ({ default: module.TrendChart })));

const LEVELS: CheckupLevel[] = ['district', 'street', 'community', 'unit'];
const DIGITS: Record<CheckupLevel, number> = { district: 6, street: 9, community: 12, unit: 14 };
const levelOf = (code: string) => LEVELS.find((l) => DIGITS[l] === code.length) ?? 'district';

/** The month `n` months before a YYYY-MM month. */
function monthsBefore(month: string, n: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5)) - 1 - n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * The city check-up (城市体检) of one area: a district, street, community or unit grid, chosen by
 * level and unit; each indicator's value for a month with its definition, formula, data source and
 * national counterpart (the assumed ones marked 假定口径); its trend over the last 12 months; CSV.
 */
export function CheckupPanel() {
  const open = useApp((s) => s.checkupOpen);
  const asked = useApp((s) => s.checkupCode);
  return open ? <CheckupDetail key={asked ?? ''} asked={asked} /> : null;
}

function CheckupDetail({ asked }: { asked: string | undefined }) {
  const language = useApp((s) => s.language);
  const t = checkupDictionaries[language];
  const services = useServices();
  const { store } = services;
  const base = services.assetsApiUrl();
  const [code, setCode] = useState<string | undefined>(asked);
  const [month, setMonth] = useState<string>(() => monthOf(Date.now()));
  const [read, setRead] = useState<{ key: string; figures: CheckupAnswer; trend: CheckupTrend }>();
  const [units, setUnits] = useState<{ code: string; name: string }[]>([]);
  const [error, setError] = useState<string>();
  const [reads, setReads] = useState(0);
  const level = code ? levelOf(code) : 'district';

  // No area named: the first district holding facts.
  useEffect(() => {
    if (!base || code) return;
    const controller = new AbortController();
    checkupUnits(base, 'district', undefined, controller.signal).then((answer) => setCode(answer.units[0]?.code), (caught: unknown) => {
      if (!controller.signal.aborted) setError(`${t.failed}: ${errorText(caught)}`);
    });
    return () => controller.abort();
  }, [base, code, t.failed]);

  // The units of the chosen level under the area's parent (the whole city for districts).
  useEffect(() => {
    if (!base || !code) return;
    const controller = new AbortController();
    const parentLevel = LEVELS[LEVELS.indexOf(level) - 1];
    checkupUnits(base, level, parentLevel ? code.slice(0, DIGITS[parentLevel]) : undefined, controller.signal).then((answer) => setUnits(answer.units), () => {});
    return () => controller.abort();
  }, [base, code, level]);

  useEffect(() => {
    if (!base || !code) return;
    const controller = new AbortController();
    Promise.all([checkupFigures(base, code, month, controller.signal), checkupTrend(base, code, monthsBefore(month, 11), month, controller.signal)]).then(
      ([answer, months]) => {
        setRead({ key: `${code}|${month}|${reads}`, figures: answer, trend: months });
        setError(undefined);
      },
      (caught: unknown) => {
        if (!controller.signal.aborted) setError(`${t.failed}: ${errorText(caught)}`);
      },
    );
    return () => controller.abort();
  }, [base, code, month, reads, t.failed]);

  const chooseLevel = async (next: CheckupLevel) => {
    if (!base || !code) return;
    if (DIGITS[next] <= code.length) {
      setCode(code.slice(0, DIGITS[next]));
      return;
    }
    // Deeper: the first unit of that level inside the current area.
    const answer = await checkupUnits(base, next, code).catch(() => undefined);
    if (answer?.units[0]) setCode(answer.units[0].code);
  };

  // What was read for another area or month is not shown.
  const current = read?.key === `${code}|${month}|${reads}` ? read : undefined;
  const figures = current?.figures;
  const trend = current?.trend;
  const series = useMemo(() => (trend ? INDICATORS.map((d) => ({ name: d.name[language], unit: d.unit, values: trend.months.map((m) => m.values[d.id] ?? null) })) : []), [trend, language]);
  const values = new Map(figures?.indicators.map((i) => [i.id, i.value]));

  return (
    <aside className="panel detail-panel checkup-panel" data-testid="checkup-panel" data-code={code ?? ''} data-month={month} data-loaded={figures ? 'true' : 'false'} data-computed-at={figures?.computedAt ?? ''} aria-label={t.title}>
      <header>
        <div>
          <h2>{t.title}</h2>
          {figures && <div className="subtitle" data-testid="checkup-name">{figures.name} · {t.levels[figures.level]} · {figures.code}</div>}
        </div>
        <button type="button" className="icon" onClick={() => store.getState().closeCheckup()} aria-label="×">×</button>
      </header>
      <div className="checkup-controls">
        <label>
          {t.level}{' '}
          <select data-testid="checkup-level" value={level} onChange={(e) => void chooseLevel(e.target.value as CheckupLevel)}>
            {LEVELS.map((l) => <option key={l} value={l}>{t.levels[l]}</option>)}
          </select>
        </label>
        <label>
          {t.unit}{' '}
          <select data-testid="checkup-unit" value={code ?? ''} onChange={(e) => setCode(e.target.value)}>
            {code && !units.some((u) => u.code === code) && <option value={code}>{code}</option>}
            {units.map((u) => <option key={u.code} value={u.code}>{u.name} ({u.code})</option>)}
          </select>
        </label>
        <label>
          {t.month}{' '}
          <input type="month" data-testid="checkup-month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} />
        </label>
      </div>
      {!figures && !error && <p className="muted small">{t.loading}</p>}
      {figures && (
        <>
          <p className="muted small" data-testid="checkup-kind">
            {t.computedAt} {new Date(figures.computedAt).toLocaleString(language === 'zh' ? 'zh-CN' : 'en', { timeZone: 'Asia/Shanghai' })} · {figures.kind === 'snapshot' ? t.snapshot : t.reconstructed}
            {!figures.sensorsObserved && <> · {t.noSensorSnapshot}</>}
          </p>
          <table className="properties checkup-table" data-testid="checkup-table">
            <thead>
              <tr><th scope="col">{t.indicator}</th><th scope="col">{t.value}</th></tr>
            </thead>
            <tbody>
              {INDICATORS.map((d) => (
                <tr key={d.id} data-indicator={d.id}>
                  <th scope="row">
                    <details>
                      <summary>
                        {d.name[language]}
                        {d.assumed && <span className="badge assumed" data-testid={`checkup-assumed-${d.id}`} title={t.assumedNote}> {t.assumed}</span>}
                      </summary>
                      <dl className="small">
                        <dt>{t.definition}</dt><dd>{d.definition[language]}</dd>
                        <dt>{t.formula}</dt><dd>{d.formula[language]}</dd>
                        <dt>{t.source}</dt><dd>{d.source[language]}</dd>
                        <dt>{t.national}</dt><dd>{d.national.name} ({d.national.edition}; {t.relation[d.national.relation]}). {d.national.note[language]}</dd>
                      </dl>
                    </details>
                  </th>
                  <td data-testid={`checkup-value-${d.id}`} title={d.definition[language]}>
                    {formatIndicatorValue(values.get(d.id) ?? null, d.unit)}
                    {values.get(d.id) !== null && values.get(d.id) !== undefined && <span className="muted small"> {d.unit}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>{t.trend}</h3>
          {trend && (
            <Suspense fallback={<p className="muted small">…</p>}>
              <TrendChart months={trend.months.map((m) => m.month)} series={series} />
            </Suspense>
          )}
          {base && code && (
            <div className="actions">
              <button type="button" className="link" data-testid="checkup-refresh" onClick={() => setReads((n) => n + 1)}>{t.refresh}</button>
              <a className="button" data-testid="checkup-export" href={checkupCsvUrl(base, code, monthsBefore(month, 11), month)} download={`checkup-${code}-${month}.csv`}>{t.exportCsv}</a>
            </div>
          )}
        </>
      )}
      {error && <p className="error" role="alert" data-testid="checkup-error">{error}</p>}
    </aside>
  );
}
