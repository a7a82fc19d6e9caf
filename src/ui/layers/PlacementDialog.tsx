import { useState, type FormEvent } from 'react';
import type { LayerState } from '../../store/index.ts';
import type { Placement } from '../../store/url-state.ts';
import { useLayerDictionary, useServices } from '../context.ts';

/** Typed longitude, latitude and height, or undefined when one is not a number in range. */
export function readPlacement(lon: string, lat: string, height: string): Placement | undefined {
  const number = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));
  const [lonDegrees, latDegrees, heightMetres] = [number(lon), number(lat), number(height === '' ? '0' : height)];
  if (![lonDegrees, latDegrees, heightMetres].every(Number.isFinite) || Math.abs(lonDegrees) > 180 || Math.abs(latDegrees) > 90) return undefined;
  return { lonDegrees, latDegrees, heightMetres };
}

/**
 * For a tileset with no georeference: says so, and places it at the centre of the view or at a
 * typed longitude, latitude and height (its local frame's origin, east-north-up). The placement
 * goes to the store (and from there to the URL and the engine).
 */
export function PlacementDialog({ layer }: { layer: LayerState }) {
  const l = useLayerDictionary();
  const { store, engine } = useServices();
  const placement = layer.placement;
  const [lon, setLon] = useState(placement ? String(placement.lonDegrees) : '');
  const [lat, setLat] = useState(placement ? String(placement.latDegrees) : '');
  const [height, setHeight] = useState(placement ? String(placement.heightMetres) : '0');
  const [invalid, setInvalid] = useState(false);
  const place = (p: Placement) => {
    setInvalid(false);
    setLon(String(Math.round(p.lonDegrees * 1e7) / 1e7));
    setLat(String(Math.round(p.latDegrees * 1e7) / 1e7));
    setHeight(String(p.heightMetres));
    store.getState().setLayerPlacement(layer.config.id, p);
  };
  const placeAtCentre = () => {
    const centre = engine()?.viewCentre();
    if (centre) place({ lonDegrees: centre[0], latDegrees: centre[1], heightMetres: 0 });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const typed = readPlacement(lon, lat, height);
    if (typed) place(typed);
    else setInvalid(true);
  };
  const round = (n: number, digits: number) => String(Math.round(n * 10 ** digits) / 10 ** digits);
  return (
    <div className="placement" role="group" aria-label={l.noGeoreference} data-testid="placement" data-placed={String(placement !== undefined)}>
      {placement ? (
        <p className="muted" data-testid="placement-status">{l.placedAt(round(placement.lonDegrees, 7), round(placement.latDegrees, 7), round(placement.heightMetres, 2))}</p>
      ) : (
        <p className="warning" role="status" data-testid="placement-status">
          <strong>{l.noGeoreference}</strong>
          <br />
          {l.noGeoreferenceDetail}
        </p>
      )}
      <button type="button" data-testid="placement-centre" onClick={placeAtCentre}>
        {l.placeAtViewCentre}
      </button>
      <form onSubmit={submit} noValidate>
        <label>
          {l.longitude}
          <input inputMode="decimal" data-testid="placement-lon" value={lon} placeholder="113.12" onChange={(e) => setLon(e.target.value)} />
        </label>
        <label>
          {l.latitude}
          <input inputMode="decimal" data-testid="placement-lat" value={lat} placeholder="23.02" onChange={(e) => setLat(e.target.value)} />
        </label>
        <label>
          {l.height}
          <input inputMode="decimal" data-testid="placement-height" value={height} onChange={(e) => setHeight(e.target.value)} />
        </label>
        <button type="submit" data-testid="placement-apply">
          {l.place}
        </button>
      </form>
      {invalid && (
        <p className="error" role="alert" data-testid="placement-invalid">
          {l.placementInvalid}
        </p>
      )}
    </div>
  );
}
