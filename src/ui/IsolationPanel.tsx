import { useApp, useServices } from './context.ts';

const LIMIT = 40;

const TEXT = {
  zh: {
    title: '关阀分析',
    broken: '破损管段',
    valves: (n: number) => `需关闭阀门 ${n} 个`,
    none: '无可关闭的阀门',
    inoperable: '失效',
    inoperableHint: '勾选“失效”重新分析，得到下一组阀门',
    alreadyClosed: '已关闭阀门',
    bypassed: '已越过的失效阀门',
    sources: '需在水源／气源处关断',
    outOfSupply: (segments: number, buildings: number) => `停止供应：管段 ${segments} 段，建筑 ${buildings} 栋`,
    buildings: '受影响建筑',
    took: (ms: number) => `用时 ${ms.toFixed(0)} 毫秒`,
    more: (n: number) => `另有 ${n} 个`,
  },
  en: {
    title: 'Valve isolation',
    broken: 'Broken segment',
    valves: (n: number) => `${n} valve${n === 1 ? '' : 's'} to close`,
    none: 'No valve can isolate it',
    inoperable: 'failed',
    inoperableHint: 'Mark a valve as failed to re-run and get the next set',
    alreadyClosed: 'Already closed',
    bypassed: 'Failed valves passed through',
    sources: 'Shut at the source',
    outOfSupply: (segments: number, buildings: number) => `Out of supply: ${segments} segments, ${buildings} buildings`,
    buildings: 'Buildings affected',
    took: (ms: number) => `${ms.toFixed(0)} ms`,
    more: (n: number) => `${n} more`,
  },
};

/** The result of a valve isolation (关阀分析): valves to close (each can be marked failed), sources, what loses supply. */
export function IsolationPanel() {
  const { store } = useServices();
  const language = useApp((s) => s.language);
  const isolation = useApp((s) => s.isolation);
  const milliseconds = useApp((s) => s.analysisMilliseconds);
  if (!isolation) return null;
  const t = TEXT[language];
  const actions = store.getState();
  const select = (id: string) => actions.select({ id });
  const valves = [...isolation.valvesToClose, ...isolation.inoperableValveIds.filter((v) => isolation.bypassedValves.includes(v))].sort();
  return (
    <div className="findings isolation" data-testid="isolation-result" data-broken={isolation.brokenSegmentId}>
      <p>
        {t.broken}: <code>{isolation.brokenSegmentId}</code>
      </p>
      <p data-testid="isolation-count" data-count={isolation.valvesToClose.length}>
        <strong>{isolation.valvesToClose.length ? t.valves(isolation.valvesToClose.length) : t.none}</strong> <span className="muted">{milliseconds !== undefined && t.took(milliseconds)}</span>
      </p>
      <ul className="valve-list" data-testid="isolation-valves">
        {valves.map((id) => {
          const failed = isolation.inoperableValveIds.includes(id);
          return (
            <li key={id} data-valve={id} data-failed={failed ? 'true' : undefined}>
              <button type="button" className="link" onClick={() => select(id)}>
                {failed ? <s>{id}</s> : id}
              </button>
              <label>
                <input type="checkbox" checked={failed} data-testid="valve-inoperable" onChange={() => actions.toggleInoperableValve(id)} /> {t.inoperable}
              </label>
            </li>
          );
        })}
      </ul>
      <p className="muted small">{t.inoperableHint}</p>
      {isolation.sourcesToShut.length > 0 && (
        <p data-testid="isolation-sources">
          {t.sources}: {isolation.sourcesToShut.join('、')}
        </p>
      )}
      {isolation.alreadyClosed.length > 0 && (
        <p className="muted small">
          {t.alreadyClosed}: {isolation.alreadyClosed.join('、')}
        </p>
      )}
      <p data-testid="isolation-supply" data-segments={isolation.segmentsOutOfSupplyCount} data-buildings={isolation.buildingsOutOfSupplyCount}>
        <strong>{t.outOfSupply(isolation.segmentsOutOfSupplyCount, isolation.buildingsOutOfSupplyCount)}</strong>
      </p>
      {isolation.buildingsOutOfSupply.length > 0 && (
        <ul className="building-list" data-testid="isolation-buildings">
          {isolation.buildingsOutOfSupply.slice(0, LIMIT).map((id) => (
            <li key={id}>
              <button type="button" className="link" onClick={() => select(id)}>
                {id}
              </button>
            </li>
          ))}
          {isolation.buildingsOutOfSupplyCount > LIMIT && <li className="muted">{t.more(isolation.buildingsOutOfSupplyCount - LIMIT)}</li>}
        </ul>
      )}
    </div>
  );
}
