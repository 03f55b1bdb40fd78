/** Sending a recording elsewhere: the Web Share API where the browser has it, a download otherwise. */
import { download } from '../main/files';

/** MIME type of .fxc files (also in app.webmanifest's file_handlers). */
export const FXC_MIME = 'application/x-flexicodec';

/** A file name from a recording's name: no path separators or control characters. */
export function fileNameFor(name: string, extension: string): string {
  const safe = [...name]
    .map((c) => (c.charCodeAt(0) < 0x20 || '\\/:*?"<>|'.includes(c) ? ' ' : c))
    .join('')
    .replace(/ +/g, ' ')
    .trim()
    .slice(0, 80);
  return `${safe || 'recording'}${extension}`;
}

/** Shares the bytes as a file, or downloads them; returns which happened. */
export async function shareOrDownload(bytes: Uint8Array, fileName: string): Promise<'shared' | 'downloaded'> {
  const file = new File([bytes as Uint8Array<ArrayBuffer>], fileName, { type: FXC_MIME });
  if (navigator.canShare?.({ files: [file] })) {
    try {
      await navigator.share({ files: [file], title: fileName });
      return 'shared';
    } catch (err) {
      // The person closed the share sheet: nothing to do. Anything else: fall back to a download.
      if (err instanceof DOMException && err.name === 'AbortError') return 'shared';
    }
  }
  download(bytes, fileName, FXC_MIME);
  return 'downloaded';
}

/** Calls onFile for each file the installed app is launched with (File Handling API, Chromium). */
export function acceptLaunchedFiles(onFile: (file: File) => void): void {
  window.launchQueue?.setConsumer((params) => {
    for (const handle of params.files) void handle.getFile().then(onFile);
  });
}
