/** draco3dgltf ships no types; the encoder module is passed to glTF-Transform as an opaque dependency. */
declare module 'draco3dgltf' {
  const draco3d: { createEncoderModule(): Promise<unknown>; createDecoderModule(): Promise<unknown> };
  export default draco3d;
}
