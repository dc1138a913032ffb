/** Number and table formatting shared by the commands' console output. */

/** 0.9123 -> "91.23%". */
export function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** 12_340_000 -> "12.34 MFLOPs". */
export function mflops(f: number): string {
  return `${(f / 1e6).toFixed(2)} MFLOPs`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** Columns padded to their widest cell: the first left-aligned, the rest right-aligned. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

/** A difference of two fractions in percentage points, signed: +1.25. */
export function points(delta: number): string {
  const p = delta * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(2)}`;
}
