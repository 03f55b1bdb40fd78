/** The events <flexi-codec> dispatches, and their detail types. */
import type { LoadInfo } from '../worker/protocol';

/** `encoded`: a .fxc was made, by the element's own controls or by encode(). */
export interface EncodedDetail {
  /** The .fxc file (a copy the listener may keep). */
  fxc: Uint8Array;
  /** Size of the whole file in bytes, header and CRC included. */
  bytes: number;
  /** Bits per second of audio, counting every byte of the file. */
  bitrateBps: number;
  /** Average frame rate after merging, in Hz. */
  achievedRateHz: number;
  /** The frame rate asked for, in Hz. */
  targetRateHz: number;
  /** Seconds of audio coded. */
  durationS: number;
}

/** `error`: something failed; the element shows it and stays usable. */
export interface ErrorDetail {
  message: string;
}

/** `ready`: the models are loaded; the detail says which backend runs them. */
export type ReadyDetail = LoadInfo;

/** Event names mapped to their detail types. */
export interface FlexiCodecEventMap {
  ready: CustomEvent<ReadyDetail>;
  encoded: CustomEvent<EncodedDetail>;
  error: CustomEvent<ErrorDetail>;
}
