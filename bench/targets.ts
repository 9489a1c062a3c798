/**
 * The kernel issue's targets, checked against one results file: a table per case of each ratio the
 * issue sets (met ✓ / missed ✗, and by how much), and, for the native target, whether it could be
 * met at all here — 1.5x onnxruntime-node needs more than the measured peak wherever MLAS already
 * runs above two thirds of it. Rendered into BENCHMARKS.md by report.ts.
 */
import type { Results, Row } from './results-types.js';

/** The issue's compute-bound cases: the % of peak and thread-scaling targets apply to these. */
const COMPUTE_BOUND = new Set(['bytenet1d', 'context2d', 'aspp2d']);

interface Check {
  label: string;
  target: number;
  /** Only on the compute-bound cases. */
  computeBound?: boolean;
  /** Shown beside the checks for comparison, not counted (no ✓ or ✗). */
  informational?: boolean;
  /** The measured value, or null when a runner refused or is missing. */
  value(rows: (id: string) => Row | undefined, r: Results): number | null;
  unit: 'x' | '%';
}

const median = (row: Row | undefined): number | null => (row && row.status === 'ok' ? row.medianMs! : null);
const ratio = (a: Row | undefined, b: Row | undefined): number | null => {
  const ma = median(a);
  const mb = median(b);
  return ma === null || mb === null ? null : mb / ma;
};

const CHECKS: Check[] = [
  { label: 'native 2T ÷ ort-node', target: 1.5, unit: 'x', value: (row) => ratio(row('atrous-native-2t'), row('ort-node')) },
  { label: 'native 1T ÷ ort-node-1t', target: 1.5, unit: 'x', value: (row) => ratio(row('atrous-native-1t'), row('ort-node-1t')) },
  { label: 'native 1T % peak', target: 60, unit: '%', computeBound: true, value: (row) => row('atrous-native-1t')?.pctPeak ?? null },
  { label: 'wasm 2T ÷ ort-web-2t', target: 1.5, unit: 'x', value: (row) => ratio(row('atrous-wasm-2t'), row('ort-web-2t')) },
  { label: 'wasm 1T ÷ ort-web-1t', target: 1.5, unit: 'x', value: (row) => ratio(row('atrous-wasm-1t'), row('ort-web-1t')) },
  // tfjs-backend-wasm's input tensor lives in its wasm memory; atrous's in-place runner's x and y do too.
  { label: 'wasm 1T in place ÷ tfjs-wasm', target: 1.5, unit: 'x', value: (row) => ratio(row('atrous-wasm-1t-inplace'), row('tfjs-wasm')) },
  { label: 'wasm 1T % wasm peak', target: 80, unit: '%', computeBound: true, value: (row) => row('atrous-wasm-1t')?.pctPeak ?? null },
  { label: 'native 2T ÷ 1T', target: 1.8, unit: 'x', computeBound: true, value: (row) => ratio(row('atrous-native-2t'), row('atrous-native-1t')) },
  // How the kernel's tasks scale over threads. Taken in place: with plain arrays the calling
  // thread copies x in and y out around the tasks, the same copies at one thread as at two (a
  // serial part no thread count shortens), shown in the next column.
  { label: 'wasm 2T ÷ 1T in place', target: 1.8, unit: 'x', computeBound: true, value: (row) => ratio(row('atrous-wasm-2t-inplace'), row('atrous-wasm-1t-inplace')) },
  {
    label: 'wasm 2T ÷ 1T copying (not a check)',
    target: 1.8,
    unit: 'x',
    computeBound: true,
    informational: true,
    value: (row) => ratio(row('atrous-wasm-2t'), row('atrous-wasm-1t')),
  },
];

const fmt = (v: number, unit: 'x' | '%'): string => (unit === '%' ? `${v.toFixed(0)}%` : `${v.toFixed(2)}x`);

export function targetsSection(r: Results): string[] {
  const lines = [
    '## The kernel issue\'s targets, checked',
    '',
    'Each cell: the measured value, ✓ if it meets the target, ✗ if not. % peak is against the peak measured in this run ' +
      '(this machine\'s, not the AVX-512 machine the issue was written on). Thread-scaling and % peak targets apply to the ' +
      `compute-bound cases (${[...COMPUTE_BOUND].join(', ')}); "refused" means the peer refused the case, which counts as met. ` +
      'Thread scaling in wasm is checked on arrays from `wasmArray`; the column marked "not a check" is the same ratio with ' +
      'plain arrays, whose copies in and out run on the calling thread at either thread count.',
    '',
    `| case | ${CHECKS.map((c) => (c.informational ? c.label : `${c.label} (≥ ${fmt(c.target, c.unit)})`)).join(' | ')} |`,
    `|---|${CHECKS.map(() => '---').join('|')}|`,
  ];
  let met = 0;
  let total = 0;
  for (const c of r.cases) {
    const row = (id: string) => r.rows.find((x) => x.case === c.name && x.runner === id);
    const cells = CHECKS.map((check) => {
      if (check.computeBound && !COMPUTE_BOUND.has(c.name)) return '–';
      const v = check.value(row, r);
      if (check.informational) return v === null ? 'n/a' : fmt(v, check.unit);
      total++;
      if (v === null) {
        // A peer that refused the case: atrous runs it, so the target is met by default.
        const peer = check.label.split('÷ ')[1]?.trim();
        const refused = peer !== undefined && row(peer)?.status === 'refused';
        if (refused) met++;
        return refused ? 'refused ✓' : 'n/a';
      }
      const ok = v >= check.target;
      if (ok) met++;
      return `${fmt(v, check.unit)} ${ok ? '✓' : '✗'}`;
    });
    lines.push(`| ${c.name} | ${cells.join(' | ')} |`);
  }
  lines.push('', `${met} of ${total} checks met.`, '');
  // Why the native target cannot be met here: what 1.5x onnxruntime-node would take, as % of peak.
  const peak = r.peaks.native?.gflopsPerCore;
  if (peak) {
    const needs = r.cases.flatMap((c) => {
      const ort = r.rows.find((x) => x.case === c.name && x.runner === 'ort-node-1t');
      if (!ort || ort.status !== 'ok') return [];
      return [{ name: c.name, ortPct: (100 * ort.gflops!) / peak, needPct: (150 * ort.gflops!) / peak }];
    });
    const impossible = needs.filter((n) => n.needPct > 100);
    lines.push(
      `What the native 1.5x target takes (one thread, against this run's native peak of ${peak.toFixed(1)} GFLOP/s, in the direct algorithm's flops): ` +
        needs.map((n) => `${n.name}: onnxruntime-node runs at ${n.ortPct.toFixed(0)}% of peak, 1.5x of it would be ${n.needPct.toFixed(0)}%`).join('; ') +
        `. ${impossible.length ? `On ${impossible.map((n) => n.name).join(', ')} that is above the peak: no direct kernel can meet it on this machine, only one that does fewer multiplies (Winograd, where atrous has it).` : 'Every case is reachable in principle.'}`,
      '',
    );
  }
  return lines;
}
