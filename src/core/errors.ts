/** Error classes of the pure core; callers tell a bad file from a bug by the class. */

/** A byte string that is not a valid .fxc for the loaded model: bad magic, CRC, header or payload. */
export class FxcFormatError extends Error {
  override readonly name = 'FxcFormatError';
}

/** A byte string that is not a WAV file the codec can read. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}
