/** Builds WAV files by hand, independent of the writer under test, for reader and CLI tests. */
import type { WavSampleType } from '../../src/core/wav.ts';

/** One WAV encoding to generate. */
export interface Variant {
  type: WavSampleType;
  extensible: boolean;
  channels: number;
  rateHz: number;
}

/** Builds a WAV file by hand (independent of the writer under test), with optional extra chunks. */
export function buildWav(
  v: Variant,
  frames: (c: number, i: number) => number,
  count: number,
  extraChunks = true,
): Uint8Array {
  const bytes = { uint8: 1, int16: 2, int24: 3, int32: 4, float32: 4, float64: 8 }[v.type];
  const isFloat = v.type.startsWith('float');
  const tag = isFloat ? 3 : 1;
  const data = new Uint8Array(count * v.channels * bytes);
  const dv = new DataView(data.buffer);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < v.channels; c++) {
      const x = frames(c, i);
      const at = (i * v.channels + c) * bytes;
      if (v.type === 'uint8') data[at] = Math.round(x * 127) + 128;
      else if (v.type === 'int16') dv.setInt16(at, Math.round(x * 32767), true);
      else if (v.type === 'int24') {
        const s = Math.round(x * 8388607);
        data[at] = s & 0xff;
        data[at + 1] = (s >> 8) & 0xff;
        data[at + 2] = (s >> 16) & 0xff;
      } else if (v.type === 'int32') dv.setInt32(at, Math.round(x * 2147483647), true);
      else if (v.type === 'float32') dv.setFloat32(at, x, true);
      else dv.setFloat64(at, x, true);
    }
  }
  const fmt = new Uint8Array(v.extensible ? 40 : 16);
  const fv = new DataView(fmt.buffer);
  fv.setUint16(0, v.extensible ? 0xfffe : tag, true);
  fv.setUint16(2, v.channels, true);
  fv.setUint32(4, v.rateHz, true);
  fv.setUint32(8, v.rateHz * v.channels * bytes, true);
  fv.setUint16(12, v.channels * bytes, true);
  fv.setUint16(14, bytes * 8, true);
  if (v.extensible) {
    fv.setUint16(16, 22, true);
    fv.setUint16(18, bytes * 8, true);
    fv.setUint32(20, (1 << v.channels) - 1, true);
    fv.setUint16(24, tag, true); // SubFormat GUID starts with the format tag
    fmt.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 26);
  }
  const chunk = (id: string, body: Uint8Array) => {
    const head = new Uint8Array(8);
    head.set([...id].map((ch) => ch.charCodeAt(0)));
    new DataView(head.buffer).setUint32(4, body.length, true);
    return [head, body, body.length & 1 ? new Uint8Array(1) : new Uint8Array(0)];
  };
  const parts = [
    ...(extraChunks ? chunk('JUNK', new Uint8Array(27)) : []), // odd size: tests the pad byte
    ...chunk('fmt ', fmt),
    ...(extraChunks ? chunk('LIST', new TextEncoder().encode('INFOISFT\x05\x00\x00\x00test\x00')) : []),
    ...chunk('data', data),
  ];
  const body = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(12 + body);
  out.set(new TextEncoder().encode('RIFF'), 0);
  new DataView(out.buffer).setUint32(4, 4 + body, true);
  out.set(new TextEncoder().encode('WAVE'), 8);
  let at = 12;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
