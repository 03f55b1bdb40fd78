/** Number formatting and Markdown tables for the benchmark report. */

/** A Markdown table; `align` has one 'l' or 'r' per column. */
export function table(header: string[], rows: (string | number)[][], align?: string): string {
  const a = align ?? 'l' + 'r'.repeat(header.length - 1);
  const rule = [...a].map((c) => (c === 'r' ? '--:' : '---'));
  return [header, rule, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** Milliseconds with sensible precision. */
export function ms(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (x >= 1000) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(0);
  return x.toFixed(x >= 1 ? 1 : 2);
}

/** Seconds from milliseconds, one decimal. */
export function sec(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '–' : (x / 1000).toFixed(1);
}

/** A real-time factor (or any ratio) to three significant digits. */
export function ratio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return x >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

/** Bytes as MB (10^6), two decimals. */
export function mb(bytes: number | undefined): string {
  return bytes === undefined ? '–' : (bytes / 1e6).toFixed(2);
}

/** Bytes as MiB, integer. */
export function mib(bytes: number | undefined): string {
  return bytes === undefined ? '–' : (bytes / 2 ** 20).toFixed(0);
}

/** Audio duration label: "10 s", "60 s", "10 min". */
export function duration(seconds: number): string {
  return seconds >= 120 ? `${seconds / 60} min` : `${seconds} s`;
}

/** "met" or "**not met**". */
export function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'not measured' : ok ? 'met' : '**not met**';
}
