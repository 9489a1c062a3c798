/**
 * Timing. Every runner of a case is warmed up, then timed round-robin: a few rounds, each giving
 * every runner a block of its reps in turn. This machine is shared and noisy (the same run can take
 * 2x longer a minute later), so interleaving makes a slow spell hit every runner instead of
 * whichever one happened to be running; medians then discard the outliers. 8 rounds, not 3: each
 * runner's block is then about 250 ms, shorter than the slow spells seen in A/B runs
 * (tools/experiments/conv-ab.sh: the same build at 43 ms, then 53-67 ms, for tens of seconds), so
 * more of them fall on every runner of a case alike.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Prepared } from './runner-types.js';

export interface TimingOptions {
  /** False only for smoke runs: the first run is then the single timed rep. */
  warmup: boolean;
  /** Timed time to aim for per runner and case, in ms; sets reps from the warm-up time. */
  budgetMs: number;
  minReps: number;
  maxReps: number;
  /** Fixed reps, overriding the budget. */
  reps?: number;
  rounds: number;
  /** A second warm-up when the first run took less than this (first runs allocate, JIT, pack). */
  secondWarmupBelowMs: number;
  /** Pause when switching runners, so one library's spinning pool threads are idle before the next starts. */
  settleMs: number;
}

export const DEFAULT_TIMING: TimingOptions = {
  warmup: true, budgetMs: 2000, minReps: 5, maxReps: 200, rounds: 8, secondWarmupBelowMs: 1000, settleMs: 20,
};

/** One run, timed; the output comes back for the agreement check. */
export async function timeRun(p: Prepared): Promise<{ ms: number; y: Float32Array }> {
  const t0 = performance.now();
  const y = await p.run();
  return { ms: performance.now() - t0, y };
}

/** Warm-up runs (just the first run when opt.warmup is false): the first output and every run's time. */
export async function warmUp(p: Prepared, opt: TimingOptions): Promise<{ y: Float32Array; ms: number[] }> {
  const first = await timeRun(p);
  const ms = [first.ms];
  if (opt.warmup && first.ms < opt.secondWarmupBelowMs) ms.push((await timeRun(p)).ms);
  return { y: first.y, ms };
}

/** Reps that fit the budget at the last warm-up's speed. */
export function repsFor(lastWarmupMs: number, opt: TimingOptions): number {
  if (opt.reps !== undefined) return opt.reps;
  const fit = Math.round(opt.budgetMs / Math.max(lastWarmupMs, 1e-3));
  return Math.min(opt.maxReps, Math.max(opt.minReps, fit));
}

export interface Contender {
  prepared: Prepared;
  reps: number;
  samplesMs: number[];
  error?: string;
}

/** Times every contender's reps, interleaved in `rounds` blocks. A run that throws ends that contender. */
export async function roundRobin(contenders: Contender[], opt: TimingOptions): Promise<void> {
  for (let round = 0; round < opt.rounds; round++) {
    for (const c of contenders) {
      if (c.error) continue;
      // Spread reps evenly: round r takes the reps with index ≡ r (mod rounds).
      const block = Math.floor(c.reps / opt.rounds) + (round < c.reps % opt.rounds ? 1 : 0);
      if (block === 0) continue;
      await sleep(opt.settleMs);
      try {
        for (let i = 0; i < block; i++) c.samplesMs.push((await timeRun(c.prepared)).ms);
      } catch (e) {
        c.error = (e as Error).message;
      }
    }
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
