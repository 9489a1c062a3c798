import { resolve } from 'node:path';
import cliProgress from 'cli-progress';

/** What every training command shares: the run folder, Ctrl-C handling, the progress bar, curve smoothing. */

/** Default output folder: runs/<task>-<UTC timestamp> under the current directory. */
export function defaultRunDir(task: string): string {
  return resolve('runs', `${task}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
}

/**
 * Runs `fn` with Ctrl-C turned into a polite stop: the first press sets the flag `fn` polls (the
 * current step finishes, then the caller saves), a second quits at once.
 */
export async function withCtrlC<T>(fn: (stopped: () => boolean) => Promise<T>): Promise<T> {
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nstopping after this step; saving what there is (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    return await fn(() => stop);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** A progress bar on stderr in the CLI's style (also in a log when stderr is not a terminal). */
export function progressBar(format: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    { format, hideCursor: true, etaBuffer: 50, noTTYOutput: true, notTTYSchedule: 10_000 },
    cliProgress.Presets.shades_classic,
  );
}

/** A moving average over `k` points, so the per-step loss curve is readable. */
export function smooth(points: [number, number][], k: number): [number, number][] {
  return points.map(([x], i) => {
    const from = Math.max(0, i - k + 1);
    let s = 0;
    for (let j = from; j <= i; j++) s += points[j][1];
    return [x, s / (i - from + 1)];
  });
}
