/**
 * Downloads the model files for the codec worker on a thread of its own. Creating an ORT session
 * blocks the codec worker's thread for hundreds of ms, and a download read on that thread stalls
 * with it; read here, the next file arrives while the codec worker builds the previous file's
 * session (bench/ready-model-set.ts measured it). Requests run one at a time, in the order they
 * come; each body is transferred back whole, with progress on the way.
 */

/** The codec worker asks for one URL. */
export interface FetchRequest {
  id: number;
  url: string;
}

/** Progress (bytes since the last report), the whole body, or why there is none. */
export type FetchReply =
  | { id: number; kind: 'progress'; bytes: number }
  | {
      id: number;
      kind: 'done';
      body: ArrayBuffer;
      /** When the request started and the body was in, ms since the epoch (for the load measures). */
      startedAtMs: number;
      endedAtMs: number;
    }
  | { id: number; kind: 'error'; message: string };

/** Bytes between two progress replies (each one is a message to the codec worker and on to the page). */
const PROGRESS_STEP_BYTES = 512 * 1024;

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<FetchRequest>) => void) | null;
  postMessage(message: FetchReply, transfer?: Transferable[]): void;
};

async function download({ id, url }: FetchRequest): Promise<void> {
  const startedAtMs = performance.timeOrigin + performance.now();
  const done = (body: ArrayBuffer) =>
    scope.postMessage(
      { id, kind: 'done', body, startedAtMs, endedAtMs: performance.timeOrigin + performance.now() },
      [body],
    );
  try {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (err) {
      throw new Error(
        `cannot fetch ${new URL(url).pathname}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    if (!response.ok) throw new Error(`cannot fetch ${new URL(url).pathname}: HTTP ${response.status}`);
    if (!response.body) {
      const body = await response.arrayBuffer();
      scope.postMessage({ id, kind: 'progress', bytes: body.byteLength });
      done(body);
      return;
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    let unreported = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
      unreported += value.byteLength;
      if (unreported >= PROGRESS_STEP_BYTES) {
        scope.postMessage({ id, kind: 'progress', bytes: unreported });
        unreported = 0;
      }
    }
    if (unreported > 0) scope.postMessage({ id, kind: 'progress', bytes: unreported });
    const out = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    done(out.buffer);
  } catch (err) {
    scope.postMessage({ id, kind: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}

let queue: Promise<void> = Promise.resolve();
scope.onmessage = (e) => {
  queue = queue.then(() => download(e.data));
};
