/**
 * The "% of machine peak" column. The peak is measured in the same run, never taken from a spec
 * sheet: this VM's clock and the host's load are unknown. Providers are microbenchmarks that time
 * a register-only FMA loop (the atrous native addon will register one); with none registered the
 * column reads n/a. Nothing here makes up a number.
 */

/** Which ceiling a runner is held to: native SIMD (x86 FMA) or WebAssembly SIMD. */
export type PeakKind = 'native' | 'wasm';

export interface PeakProvider {
  kind: PeakKind;
  /** What was measured, e.g. 'native AVX2 FMA, 8 accumulators'. */
  label: string;
  /** Single-thread float32 GFLOP/s (an FMA counts 2 FLOPs). */
  gflopsPerCore(): Promise<number>;
}

export interface Peak {
  label: string;
  gflopsPerCore: number;
}

/** The measured ceilings, one per kind; a kind with no provider is absent. */
export type Peaks = Partial<Record<PeakKind, Peak>>;

// The atrous builds register their multiply-add loops here (bench/peers/atrous.ts).
const providers: PeakProvider[] = [];

export function registerPeakProvider(p: PeakProvider): void {
  providers.push(p);
}

/** Best figure per kind among the providers (the highest is closest to the hardware's limit). */
export async function measurePeaks(): Promise<Peaks> {
  const best: Peaks = {};
  for (const p of providers) {
    const g = await p.gflopsPerCore();
    const cur = best[p.kind];
    if (Number.isFinite(g) && g > 0 && (!cur || g > cur.gflopsPerCore)) best[p.kind] = { label: p.label, gflopsPerCore: g };
  }
  return best;
}

/** Percent of the peak of the cores a runner uses, or null when no peak was measured. */
export function percentOfPeak(gflops: number, threads: number, peak: Peak | null): number | null {
  return peak ? (100 * gflops) / (peak.gflopsPerCore * threads) : null;
}
