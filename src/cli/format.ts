/**
 * Plain-text layout for the CLI: aligned grids and tables, blocks set side by side, numbers with a
 * real minus sign. Every function returns lines, so callers can indent and stack them freely.
 */

/** Wide enough for a person's terminal; grids and maps wrap or crop to stay inside it. */
export const WIDTH = 78;

/** A number as people write it: integers plain, others to 4 significant digits, minus as `−`. */
export function num(v: number): string {
  const s = Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return s.replace('-', '−');
}

/** `[1,1,64,64]`, the library's shape notation. */
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** `3x3`, the notation people use for kernel and image sizes. */
export function sizes(v: readonly number[]): string {
  return v.join('x');
}

/** A value that is the same on every axis prints once (`2`), otherwise per axis (`4x1`). */
export function perAxis(v: readonly number[]): string {
  return v.every((x) => x === v[0]) ? String(v[0]) : sizes(v);
}

export interface GridOptions {
  /** Larger grids are cut to their top-left corner, with `…` and `⋮` marking the cut. */
  maxRows?: number;
  maxCols?: number;
}

/** Cells right-aligned in columns one space apart. */
export function grid(cells: readonly (readonly string[])[], opts: GridOptions = {}): string[] {
  const rows = cells.length;
  const cols = rows === 0 ? 0 : cells[0].length;
  const r = Math.min(rows, opts.maxRows ?? 12);
  const c = Math.min(cols, opts.maxCols ?? 12);
  const shown = cells.slice(0, r).map((row) => row.slice(0, c));
  const w = Math.max(1, ...shown.flat().map((s) => s.length));
  const lines = shown.map((row) => row.map((s) => s.padStart(w)).join(' ') + (c < cols ? ' …' : ''));
  if (r < rows) lines.push(Array.from({ length: c }, () => '⋮'.padStart(w)).join(' '));
  return lines;
}

/** A grid of numbers, e.g. a tensor's H×W plane. */
export function numberGrid(values: readonly (readonly number[])[], opts: GridOptions = {}): string[] {
  return grid(values.map((row) => row.map(num)), opts);
}

/** Blocks of lines set next to each other, top-aligned, `gap` spaces apart. */
export function sideBySide(blocks: readonly (readonly string[])[], gap = 4): string[] {
  const widths = blocks.map((b) => Math.max(0, ...b.map((l) => l.length)));
  const height = Math.max(0, ...blocks.map((b) => b.length));
  return Array.from({ length: height }, (_, i) =>
    blocks.map((b, j) => (b[i] ?? '').padEnd(widths[j])).join(' '.repeat(gap)).trimEnd(),
  );
}

/** Blocks side by side, starting a new row (after a blank line) when the next would pass `width`. */
export function flow(blocks: readonly (readonly string[])[], width = WIDTH, gap = 4): string[] {
  const out: string[] = [];
  let row: (readonly string[])[] = [];
  let used = 0;
  for (const b of blocks) {
    const w = Math.max(0, ...b.map((l) => l.length));
    if (row.length > 0 && used + gap + w > width) {
      if (out.length > 0) out.push('');
      out.push(...sideBySide(row, gap));
      row = [];
      used = 0;
    }
    used += (row.length > 0 ? gap : 0) + w;
    row.push(b);
  }
  if (row.length > 0) {
    if (out.length > 0) out.push('');
    out.push(...sideBySide(row, gap));
  }
  return out;
}

/** A table with a header row; every column right-aligned, two spaces apart. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? num(c) : c)))];
  const widths = headers.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  return cells.map((r) => r.map((c, j) => c.padStart(widths[j])).join('  '));
}

/** Prefixes every line with `n` spaces (blank lines stay blank). */
export function indent(lines: readonly string[], n = 2): string[] {
  const pad = ' '.repeat(n);
  return lines.map((l) => (l === '' ? '' : pad + l));
}

/** Word-wraps a paragraph to `width` columns. */
export function wrap(text: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * A list of integers short enough to read: an arithmetic run as `1, 3, 5, …, 27`, a long
 * irregular list as its first and last few with the count.
 */
export function shortList(values: readonly number[], max = 12): string {
  const n = values.length;
  if (n <= Math.max(max, 4)) return values.map(num).join(', ');
  const step = values[1] - values[0];
  if (values.every((v, i) => i === 0 || v - values[i - 1] === step)) {
    return `${values.slice(0, 3).map(num).join(', ')}, …, ${num(values[n - 1])}`;
  }
  return `${values.slice(0, max - 2).map(num).join(', ')}, …, ${values.slice(-2).map(num).join(', ')} (${n} in all)`;
}

/** `1 zero`, `3 zeros`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** JSON with one top-level key per line and values compact, so shapes stay on one line. */
export function jsonObject(o: object): string {
  const body = Object.entries(o).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${body.join(',\n')}\n}\n`;
}
