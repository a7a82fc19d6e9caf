/**
 * An east-north-up frame at a point on the WGS84 ellipsoid. Tile content is stored in this
 * frame (metres) so that float32 vertex positions keep centimetre precision; the glTF node
 * carries the frame's matrix back to ECEF.
 */
import { lonLatHeightToEcef } from './crs.ts';

const DEGREES_TO_RADIANS = Math.PI / 180;

export class LocalFrame {
  /** Origin in ECEF metres. */
  readonly originEcef: [number, number, number];
  /** Rows of the ECEF→ENU rotation: east, north, up unit vectors in ECEF. */
  readonly east: [number, number, number];
  readonly north: [number, number, number];
  readonly up: [number, number, number];

  constructor(readonly lonDegrees: number, readonly latDegrees: number) {
    this.originEcef = lonLatHeightToEcef(lonDegrees, latDegrees, 0);
    const lon = lonDegrees * DEGREES_TO_RADIANS;
    const lat = latDegrees * DEGREES_TO_RADIANS;
    const sinLon = Math.sin(lon);
    const cosLon = Math.cos(lon);
    const sinLat = Math.sin(lat);
    const cosLat = Math.cos(lat);
    this.east = [-sinLon, cosLon, 0];
    this.north = [-sinLat * cosLon, -sinLat * sinLon, cosLat];
    this.up = [cosLat * cosLon, cosLat * sinLon, sinLat];
  }

  /** WGS84 lon/lat degrees and ellipsoidal height (metres) to local [east, north, up] metres. */
  toLocal(lonDegrees: number, latDegrees: number, heightMetres: number): [number, number, number] {
    const p = lonLatHeightToEcef(lonDegrees, latDegrees, heightMetres);
    const dx = p[0] - this.originEcef[0];
    const dy = p[1] - this.originEcef[1];
    const dz = p[2] - this.originEcef[2];
    return [
      dx * this.east[0] + dy * this.east[1] + dz * this.east[2],
      dx * this.north[0] + dy * this.north[1] + dz * this.north[2],
      dx * this.up[0] + dy * this.up[1] + dz * this.up[2],
    ];
  }

  /**
   * Column-major 4×4 matrix for a glTF node whose mesh is in this frame with glTF's Y-up axes
   * (x = east, y = up, z = −north). 3D Tiles runtimes rotate glTF Y-up to Z-up before applying
   * tile transforms, so the node matrix is Ryz⁻¹ · ENU→ECEF · Ryz.
   */
  gltfNodeMatrix(): number[] {
    const [e, n, u, o] = [this.east, this.north, this.up, this.originEcef];
    // ENU→ECEF has columns east, north, up. In glTF coordinates a vector (x, y, z) is ENU (x, −z, y),
    // and an ECEF vector (X, Y, Z) is glTF (X, Z, −Y).
    const col = (v: readonly number[]): [number, number, number] => [v[0]!, v[2]!, -v[1]!];
    const cx = col(e);
    const cy = col(u);
    const cz = col(n).map((c) => -c) as [number, number, number];
    const t = col(o);
    return [cx[0], cx[1], cx[2], 0, cy[0], cy[1], cy[2], 0, cz[0], cz[1], cz[2], 0, t[0], t[1], t[2], 1];
  }
}
