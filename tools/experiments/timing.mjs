// Timing helpers the experiment scripts share: medians of repeated calls after warm-up.
export const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];

/** The median ms of `reps` calls of fn after `warm` untimed ones. */
export function timed(fn, reps, warm) {
  for (let i = 0; i < warm; i++) fn();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}
