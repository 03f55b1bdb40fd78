/** A one-line progress bar on stderr, redrawn in place; silent when stderr is not a terminal. */

/** Width of the bar in characters. */
const BAR_CHARS = 30;

/** Shows "[#####.....]  45%  3/10  name.wav" and erases it before other output. */
export class ProgressBar {
  private shown = false;
  private lastDrawMs = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly enabled = Boolean(stream.isTTY),
  ) {}

  /** Redraws for file `index` (0-based) of `count`, `fraction` done within it. */
  update(index: number, count: number, name: string, fraction: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (fraction < 1 && now - this.lastDrawMs < 100) return; // at most 10 redraws a second
    this.lastDrawMs = now;
    const overall = Math.min(1, (index + Math.min(1, Math.max(0, fraction))) / count);
    const filled = Math.round(overall * BAR_CHARS);
    const bar = '#'.repeat(filled) + '.'.repeat(BAR_CHARS - filled);
    const pct = `${Math.floor(overall * 100)}%`.padStart(4);
    const width = this.stream.columns ?? 100;
    const line = `[${bar}] ${pct}  ${index + 1}/${count}  ${name}`.slice(0, width - 1);
    this.stream.write(`\r\x1b[2K${line}`);
    this.shown = true;
  }

  /** Erases the bar so that a normal line can be printed. */
  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
