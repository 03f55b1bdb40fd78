/**
 * The library entry (built to dist/lib/flexi-codec.js): importing it defines <flexi-codec>.
 * Safe to import twice, e.g. by a page and by a widget that bundles it.
 */
import { FlexiCodecElement } from './flexi-codec-element';

export {
  FlexiCodecElement,
  DEFAULT_FRAME_RATE_HZ,
  MAX_FRAME_RATE_HZ,
  MIN_FRAME_RATE_HZ,
} from './flexi-codec-element';
export type { EncodedDetail, ErrorDetail, FlexiCodecEventMap, ReadyDetail } from './events';

/** The tag name the element is registered under. */
export const TAG_NAME = 'flexi-codec';

if (!customElements.get(TAG_NAME)) customElements.define(TAG_NAME, FlexiCodecElement);

declare global {
  interface HTMLElementTagNameMap {
    'flexi-codec': FlexiCodecElement;
  }
}
