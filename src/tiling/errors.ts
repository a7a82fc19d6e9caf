/** An input problem the tiler reports with the file, the feature index and the reason. */
export class TilingInputError extends Error {
  constructor(
    readonly file: string,
    /** Zero-based index of the feature in the input's `features` array, or undefined for file-level problems. */
    readonly featureIndex: number | undefined,
    readonly reason: string,
  ) {
    super(featureIndex === undefined ? `${file}: ${reason}` : `${file}: feature ${featureIndex}: ${reason}`);
    this.name = 'TilingInputError';
  }
}

/** A per-feature problem found while validating; the pipeline turns it into a TilingInputError or a skip. */
export class InvalidFeatureError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'InvalidFeatureError';
  }
}
