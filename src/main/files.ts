/** Saving results as downloads, and opening .wav / .fxc files by picker or drag-and-drop. */

/** Offers bytes to the user as a file download. */
export function download(bytes: Uint8Array, fileName: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // Give the browser time to start the download before the URL goes.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Calls onFile for a file chosen in the picker or dropped anywhere on the page. */
export function acceptFiles(
  input: HTMLInputElement,
  overlay: HTMLElement,
  onFile: (file: File) => void,
): void {
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    // Clear the picker so choosing the same file again fires 'change' again.
    input.value = '';
    if (file) onFile(file);
  });
  let depth = 0;
  const show = (on: boolean) => (overlay.hidden = !on);
  window.addEventListener('dragenter', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    depth++;
    show(true);
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) show(false);
  });
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    show(false);
    const file = e.dataTransfer?.files[0];
    if (file) onFile(file);
  });
}

/** What a file is, by its first bytes rather than its name. */
export function sniffKind(bytes: Uint8Array): 'wav' | 'fxc' | 'unknown' {
  const ascii = String.fromCharCode(...bytes.subarray(0, 4));
  if (ascii === 'RIFF' || ascii === 'RF64') return 'wav';
  if (ascii.startsWith('FXC')) return 'fxc';
  return 'unknown';
}
