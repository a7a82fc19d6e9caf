import { ISOLATABLE_TYPES } from '../store/analysis.ts';
import { useApp, useDictionary, useServices } from './context.ts';
import { formatValue } from './i18n.ts';
import { goToAsset } from './go-to-asset.ts';

const LIMIT = 30;

/** For a picked pipe or asset: what it connects to, the buildings it serves, and its profile. */
export function PipeConnections({ id }: { id: string }) {
  const t = useDictionary();
  const services = useServices();
  const { store } = services;
  const network = useApp((s) => s.network);
  if (network.status !== 'ready') return <p className="muted small" data-testid="pipe-network-status">{network.status === 'loading' ? t.networkLoading : t.networkUnavailable}</p>;
  const index = network.network.index;
  const connections = index.connections(id);
  if (!connections) return null;
  const buildings = index.buildingsServed(id);
  const segment = index.segmentsById.get(id);
  const isSegment = segment !== undefined;
  const select = (target: string) => store.getState().select({ id: target });
  const goToBuilding = (buildingId: string) => goToAsset(services, buildingId);
  return (
    <div className="pipe-connections" data-testid="pipe-connections">
      {isSegment && (
        <button type="button" className="action" data-testid="profile-button" onClick={() => store.getState().runProfile(id)}>
          {t.profileFrom}
        </button>
      )}
      {segment && ISOLATABLE_TYPES.includes(segment.type) && (
        <button type="button" className="action" data-testid="isolation-button" onClick={() => store.getState().runIsolation(id)}>
          {t.isolationFrom}
        </button>
      )}
      {segment && (
        <div className="trace-buttons">
          {(['upstream', 'downstream', 'connected'] as const).map((direction) => (
            <button key={direction} type="button" className="action" data-testid={`trace-${direction}`} onClick={() => store.getState().runTrace(id, direction)}>
              {t.trace[direction]}
            </button>
          ))}
        </div>
      )}
      <h3>{t.connections}</h3>
      <ul data-testid="connected-assets">
        {connections.assets.map((a) => (
          <li key={a.id}>
            <button type="button" className="link" onClick={() => select(a.id)}>{a.id}</button> <span className="muted">{formatValue(a.kind, t)}</span>
          </li>
        ))}
      </ul>
      <h3>{t.connectedSegments}</h3>
      <ul data-testid="connected-segments">
        {connections.segments.slice(0, LIMIT).map((s) => (
          <li key={s.id}>
            <button type="button" className="link" onClick={() => select(s.id)}>{s.id}</button> <span className="muted">{formatValue(s.type, t)}</span>
          </li>
        ))}
      </ul>
      <h3>{t.buildingsServed}</h3>
      {buildings.length === 0 ? (
        <p className="muted small">{t.noneServed}</p>
      ) : (
        <ul data-testid="buildings-served">
          {buildings.slice(0, LIMIT).map((b) => (
            <li key={b}>
              <button type="button" className="link" onClick={() => void goToBuilding(b)}>{b}</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
