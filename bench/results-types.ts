/** Shape of bench/results/*.json: written by run.ts, read by report.ts. */
import type { Environment } from './env.js';
import type { Load } from './load.js';
import type { TimingOptions } from './measure.js';
import type { Peaks } from './peak.js';

export interface CaseSummary {
  name: string;
  model: string;
  /** The issue's one-line notation, e.g. '1, 64→128, 16000, k2, d256, pad [256,0], s1'. */
  shape: string;
  xShape: number[];
  wShape: number[];
  outShape: number[];
  pads: [number, number][];
  flops: number;
  bytes: number;
  seed: number;
  /** Whose output the others were compared against: the reference runner, or 'atrous-ref' if it could not run. */
  reference: string | null;
  /** Other processes' and other guests' CPU use while this case ran (null off Linux). */
  load: Load | null;
}

export interface RunnerSummary {
  id: string;
  label: string;
  threads: number | 'default';
  isAtrous: boolean;
  setup: 'ok' | 'refused' | 'error';
  reason?: string;
  info: Record<string, string | number | boolean>;
  /** Worker-hosted runners: median empty round trip, included in each of their timed runs. */
  workerRoundTripMs?: number;
}

export type RowStatus = 'ok' | 'refused' | 'error';

export interface Row {
  case: string;
  runner: string;
  label: string;
  threads: number | 'default';
  isAtrous: boolean;
  status: RowStatus;
  /** Why a runner refused or failed, in the library's own words where it gave any. */
  reason?: string;
  warmupMs?: number[];
  samplesMs?: number[];
  medianMs?: number;
  minMs?: number;
  gflops?: number;
  gbps?: number;
  /** Of the measured single-core peak times the threads used; null without a peak. */
  pctPeak?: number | null;
  /** max |y − ref| / max |ref| against the reference runner; null when there was no reference. */
  maxRelErr?: number | null;
  /** Memory one run takes beyond its tensors, where the runner reports it. */
  extraBytes?: number;
}

export interface Results {
  schema: 1;
  /** The exact command line that produced this file. */
  command: string;
  startedAt: string;
  wallMs: number;
  quick: boolean;
  env: Environment;
  /** Other processes' CPU use in the 2 s before the run, and over the whole run. */
  loadBefore: Load | null;
  load: Load | null;
  /** Measured per kind: native FMA and WebAssembly SIMD multiply-add. */
  peaks: Peaks;
  /** Runner id whose outputs are the reference (per case, see CaseSummary.reference). */
  reference: string;
  tolerance: number;
  timing: TimingOptions;
  cases: CaseSummary[];
  runners: RunnerSummary[];
  rows: Row[];
}
