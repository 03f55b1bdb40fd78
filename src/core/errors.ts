/** Error classes of the pure core; callers tell a bad file from a bug by the class. */

/** A byte string that is not a valid .fxc for the loaded model: bad magic, CRC, header or payload. */
export class FxcFormatError extends Error {
  override readonly name = 'FxcFormatError';
}

/** A byte string that is not a WAV file the codec can read. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

/** A valid .fxc whose model is neither loaded nor reachable; the message says which model it needs. */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';

  constructor(
    /** The model id in the file's header. */
    readonly modelId: string,
    message: string,
  ) {
    super(message);
  }
}
