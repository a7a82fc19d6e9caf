/**
 * The baseline of the viewer benchmark: a bare CesiumJS page, as a sandcastle would write it,
 * loading the same tileset with the same offline imagery, terrain, camera and clock. It sets
 * the same ready signal as the app, so `npm run bench` can time both the same way. With
 * `?skyCulling=1` it also draws the sky only when some is in view, as the app does: the baseline
 * for the app's own overhead at equal drawing work.
 */
import '../engine/cesium-base.ts';
import 'cesium/Build/Cesium/Widgets/widgets.css';
import { Cartesian3, Cesium3DTileset, JulianDate, Math as CesiumMath, Viewer } from 'cesium';
import { offlineViewerOptions } from '../engine/offline-viewer-options.ts';
import { cullSkyOutOfView } from '../engine/sky-culling.ts';

const params = new URLSearchParams(window.location.search);
const viewer = new Viewer('container', offlineViewerOptions());
viewer.clock.currentTime = JulianDate.fromIso8601(params.get('time') ?? '2026-03-21T01:30:00Z');
viewer.clock.shouldAnimate = false;
if (params.get('skyCulling') === '1') cullSkyOutOfView(viewer);
const [lon, lat, height, heading, pitch] = (params.get('view') ?? '113.12,23.004,1350,0,-35').split(',').map(Number) as [number, number, number, number, number];
viewer.camera.setView({ destination: Cartesian3.fromDegrees(lon, lat, height), orientation: { heading: CesiumMath.toRadians(heading), pitch: CesiumMath.toRadians(pitch), roll: 0 } });
const tileset = await Cesium3DTileset.fromUrl(params.get('tileset') ?? '../tiles/demo/buildings/tileset.json');
viewer.scene.primitives.add(tileset);
const remove = viewer.scene.postRender.addEventListener(() => {
  if (tileset.tilesLoaded && viewer.scene.globe.tilesLoaded) {
    remove();
    performance.mark('cim-twin-ready');
    document.body.dataset.ready = 'tiles';
  }
});
(window as unknown as { __bench: { viewer: Viewer } }).__bench = { viewer };
