/**
 * A link to a sensor (`?sensor=<Datastream id>`): its panel opens at once (it shows once the
 * sensor's record is in), and when the link names no view the camera flies to the sensor as soon
 * as its position is known, after the opening view is ready so the two flights do not fight.
 */
import type { CityViewer } from '../engine/city-viewer.ts';
import type { AppStore } from '../store/index.ts';

/** Height (m) of the sensor's position the camera frames: a manhole cover or a pipe valve, seen with its street. */
const SENSOR_FRAME_HEIGHT_METRES = 30;

/** Open the linked sensor; returns a function that stops waiting for it. */
export function openSensorLink(store: AppStore, datastreamId: number, options: { flyTo: boolean; engine: () => CityViewer | undefined }): () => void {
  store.getState().selectSensor(datastreamId);
  if (!options.flyTo) return () => {};
  let stopped = false;
  let unsubscribe = () => {};
  const flyWhenKnown = () => {
    const state = store.getState();
    const record = state.sensors.get(datastreamId);
    // Only while the link's sensor is still the one selected: the user may have moved on.
    if (!record || !state.ready || state.selectedSensorId !== datastreamId) return state.selectedSensorId !== datastreamId;
    void options.engine()?.flyToPosition(record.lonDegrees, record.latDegrees, SENSOR_FRAME_HEIGHT_METRES);
    return true;
  };
  if (flyWhenKnown()) return () => {};
  unsubscribe = store.subscribe((state, previous) => {
    if (stopped || (state.sensorRevision === previous.sensorRevision && state.ready === previous.ready && state.selectedSensorId === previous.selectedSensorId)) return;
    if (flyWhenKnown()) {
      stopped = true;
      unsubscribe();
    }
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}
