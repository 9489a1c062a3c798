/**
 * The benchmark entry point:
 *   npm run bench:forward -- [--cases a,b] [--runners x,y] [--reps N] [--quick]
 * (`npm run bench` runs this with no options, then the training-step benchmark, bench/train/run.ts.)
 * Per case: same seeded inputs to every runner, warm-up, agreement against the reference runner,
 * interleaved timed reps (measure.ts). Saves bench/results/<date>-<cpu>.json and, for a full run,
 * rewrites BENCHMARKS.md from it (report.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { AGREE_TOL, atrousReference, maxRelError, toChannelsFirst } from './agree.js';
import { loadSuite, planCase } from './case-plan.js';
import { cpuSlug, environment } from './env.js';
import { drawInputs } from './inputs.js';
import { type Load, startLoadProbe } from './load.js';
import { type Contender, DEFAULT_TIMING, median, repsFor, roundRobin, type TimingOptions, warmUp } from './measure.js';
import { measurePeaks, type Peaks, percentOfPeak } from './peak.js';
import { REPO_ROOT, writeReport } from './report.js';
import type { CaseSummary, Results, Row, RunnerSummary } from './results-types.js';
import { type PlannedCase, type Prepared, Refused, type Runner, threadsUsed } from './runner-types.js';
import { allRunners, REFERENCE_ID } from './runners.js';

const USAGE = `usage: npm run bench:forward -- [--cases a,b] [--runners x,y] [--reps N] [--quick]
  --cases    case names from bench/shapes/suite.json (default: all)
  --runners  runner ids or id prefixes, e.g. ort-node,tfjs-wasm (default: all)
  --reps     fixed timed reps per runner and case (default: sized to ~2 s each)
  --quick    smoke run: a single run per runner and case, no warm-up (checks agreement, times nothing reliably)
Only a full run (no --cases/--runners/--reps/--quick) rewrites BENCHMARKS.md.`;

const SETUP_TIMEOUT_MS = 120_000;

interface Entry { runner: Runner; summary: RunnerSummary; timed: boolean }

/** More than a quarter core taken by others: 2-thread rows are then visibly understated. */
const busy = (l: Load | null): boolean => l !== null && l.otherCores + l.stealCores > 0.25;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function setUp(runner: Runner, timed: boolean): Promise<Entry> {
  const summary: RunnerSummary = {
    id: runner.id, label: runner.label, threads: runner.threads, isAtrous: runner.isAtrous ?? false, setup: 'ok', info: {},
  };
  try {
    await withTimeout(runner.setup?.() ?? Promise.resolve(), SETUP_TIMEOUT_MS, `${runner.id} setup`);
    summary.info = (await runner.info?.()) ?? {};
    const ping = (runner as { ping?: () => Promise<number> }).ping;
    if (ping) summary.workerRoundTripMs = await ping.call(runner);
  } catch (e) {
    summary.setup = e instanceof Refused ? 'refused' : 'error';
    summary.reason = errorText(e);
  }
  const status = summary.setup === 'ok' ? `ok ${JSON.stringify(summary.info)}` : `${summary.setup}: ${summary.reason}`;
  console.log(`setup ${runner.id}${timed ? '' : ' (reference only)'}: ${status}`);
  return { runner, summary, timed };
}

/** The issue's notation, e.g. '1, 64→128, 16000, k2, d256, pad [256,0], s1, g1'. */
function shapeText(c: PlannedCase): string {
  const x = (a: number[]) => a.join('x');
  const pads = c.pads.every(([b, a]) => b === a && b === c.pads[0][0]) ? String(c.pads[0][0]) : JSON.stringify(c.pads);
  const named = typeof c.padding === 'string' ? `${c.padding} ` : '';
  return `${c.N}, ${c.Cin}→${c.Cout}, ${x(c.spatial)}, k${x(c.kernel)}, d${x(c.dilation)}, pad ${named}${pads}, s${x(c.stride)}, g${c.groups}`;
}

interface Live { entry: Entry; prepared: Prepared; y: Float32Array; warmupMs: number[] }

async function runCase(c: PlannedCase, entries: Entry[], timing: TimingOptions, cores: number, rows: Row[], peaks: Peaks): Promise<CaseSummary> {
  const { x, w, b, seed } = drawInputs(c);
  console.log(`\n${c.name}: ${shapeText(c)} · ${(c.flops / 1e9).toFixed(3)} GFLOP`);
  const loadProbe = startLoadProbe();
  const base = (e: Entry) => ({ case: c.name, runner: e.runner.id, label: e.runner.label, threads: e.runner.threads, isAtrous: e.summary.isAtrous });
  const fail = (e: Entry, status: 'refused' | 'error', reason: string): void => {
    if (e.timed) rows.push({ ...base(e), status, reason });
    console.log(`  ${e.runner.id.padEnd(22)} ${status}: ${reason}`);
  };

  const live: Live[] = [];
  const expected = c.outShape.reduce((p, v) => p * v, 1);
  for (const e of entries) {
    if (e.summary.setup !== 'ok') {
      if (e.timed) rows.push({ ...base(e), status: e.summary.setup, reason: e.summary.reason });
      if (e.timed) console.log(`  ${e.runner.id.padEnd(22)} ${e.summary.setup}: did not start (see setup above)`);
      continue;
    }
    let prepared: Prepared;
    try {
      prepared = await e.runner.prepare(c, x, w, b);
    } catch (err) {
      fail(e, err instanceof Refused ? 'refused' : 'error', errorText(err));
      continue;
    }
    try {
      const warm = await warmUp(prepared, timing);
      if (warm.y.length !== expected) throw new Error(`output has ${warm.y.length} values, expected ${expected} for [${c.outShape}]`);
      live.push({ entry: e, prepared, y: toChannelsFirst(warm.y, prepared.outputLayout, c), warmupMs: warm.ms });
    } catch (err) {
      fail(e, 'error', errorText(err));
      await prepared.dispose().catch(() => undefined);
    }
  }

  let refId: string | null = REFERENCE_ID;
  let ref = live.find((l) => l.entry.runner.id === REFERENCE_ID)?.y;
  if (!ref) {
    console.log(`  (${REFERENCE_ID} has no output for this case: comparing against atrous's reference conv)`);
    ref = atrousReference(c, x, w, b);
    refId = 'atrous-ref';
  }

  const contenders: (Contender & { l: Live })[] = [];
  for (const l of live) {
    if (!l.entry.timed) {
      await l.prepared.dispose();
      continue;
    }
    // Without warm-up (--quick) the first run is the one timed rep.
    const samplesMs = timing.warmup ? [] : l.warmupMs.splice(0);
    const reps = timing.warmup ? repsFor(l.warmupMs[l.warmupMs.length - 1], timing) : 0;
    contenders.push({ l, prepared: l.prepared, reps, samplesMs });
  }
  const estS = contenders.reduce((t, ct) => t + ct.reps * ct.l.warmupMs[ct.l.warmupMs.length - 1], 0) / 1000;
  if (contenders.some((ct) => ct.reps > 0)) console.log(`  warmed up; timing ${contenders.length} runners in ${timing.rounds} rounds, ~${estS.toFixed(0)} s`);
  await roundRobin(contenders, timing);

  for (const ct of contenders) {
    const e = ct.l.entry;
    await ct.prepared.dispose().catch(() => undefined);
    if (ct.error) {
      fail(e, 'error', ct.error);
      continue;
    }
    const med = median(ct.samplesMs);
    const gflops = c.flops / med / 1e6;
    const row: Row = {
      ...base(e), status: 'ok', warmupMs: ct.l.warmupMs, samplesMs: ct.samplesMs, medianMs: med, minMs: Math.min(...ct.samplesMs),
      gflops, gbps: c.bytes / med / 1e6, pctPeak: percentOfPeak(gflops, threadsUsed(e.runner.threads, cores), peaks[e.runner.peakKind ?? 'native'] ?? null),
      maxRelErr: maxRelError(ct.l.y, ref),
      extraBytes: ct.prepared.extraBytes,
    };
    rows.push(row);
    const flag = row.maxRelErr! > AGREE_TOL ? '  ⚠ DISAGREES' : '';
    const threads = e.runner.threads === 'default' ? 'default' : `${e.runner.threads}t`;
    console.log(
      `  ${e.runner.id.padEnd(22)} ${threads.padStart(7)}  median ${med.toFixed(2).padStart(8)} ms  min ${row.minMs!.toFixed(2).padStart(8)} ms  ${gflops.toFixed(1).padStart(6)} GFLOP/s  ${String(ct.samplesMs.length).padStart(2)} reps  err ${row.maxRelErr!.toExponential(1)}${flag}`,
    );
  }
  // Table order is registry order, whatever order runners finished or refused in.
  const order = entries.map((e) => e.runner.id);
  const mine = rows.filter((r) => r.case === c.name).sort((p, q) => order.indexOf(p.runner) - order.indexOf(q.runner));
  rows.splice(rows.length - mine.length, mine.length, ...mine);
  const load = loadProbe();
  if (load) console.log(`  (other processes: ${load.otherCores.toFixed(2)} cores, steal: ${load.stealCores.toFixed(2)} cores${busy(load) ? ' ⚠ BUSY MACHINE' : ''})`);
  return {
    name: c.name, model: c.model, shape: shapeText(c), xShape: c.xShape, wShape: c.wShape, outShape: c.outShape,
    pads: c.pads, flops: c.flops, bytes: c.bytes, seed, reference: refId, load,
  };
}

function pick<T>(all: T[], tokens: string[] | undefined, key: (t: T) => string, what: string, prefix: boolean): T[] {
  if (!tokens) return all;
  // An exact id wins ('ort-node' is the default-threads runner); otherwise a prefix picks a family.
  const exact = (tok: string) => all.some((t) => key(t) === tok);
  const match = (t: T, tok: string) => key(t) === tok || (prefix && !exact(tok) && key(t).startsWith(`${tok}-`));
  const unknown = tokens.filter((tok) => !all.some((t) => match(t, tok)));
  if (unknown.length) throw new Error(`unknown ${what}: ${unknown.join(', ')}; known: ${all.map(key).join(', ')}`);
  return all.filter((t) => tokens.some((tok) => match(t, tok)));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { values: opt } = parseArgs({
    args: argv,
    options: { cases: { type: 'string' }, runners: { type: 'string' }, reps: { type: 'string' }, quick: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (opt.help) return console.log(USAGE);
  const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((t) => t.trim()).filter(Boolean));
  const reps = opt.reps === undefined ? undefined : Number(opt.reps);
  if (reps !== undefined && !(Number.isInteger(reps) && reps >= 1)) throw new Error(`--reps must be a positive integer, got ${opt.reps}`);
  const quick = opt.quick ?? false;
  const timing: TimingOptions = quick ? { ...DEFAULT_TIMING, warmup: false, reps: 1, rounds: 1 } : { ...DEFAULT_TIMING, reps };
  const full = !quick && !opt.cases && !opt.runners && reps === undefined;

  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const cases = pick(loadSuite(), list(opt.cases), (c) => c.name, 'case', false).map(planCase);
  const known = await allRunners();
  const selected = pick(known, list(opt.runners), (r) => r.id, 'runner', true);
  const env = environment();
  const command = process.env.npm_lifecycle_event === 'bench'
    ? `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`
    : `node dist/bench/run.js${argv.length ? ` ${argv.join(' ')}` : ''}`;
  console.log(`${command}\n${env.cpuModel} (${env.cpuId}), ${env.cores} cores, Node ${env.node}, atrous ${env.git}`);

  const idle = startLoadProbe();
  await sleep(2000);
  const loadBefore = idle();
  if (loadBefore) {
    const warn = busy(loadBefore) ? ' ⚠ another process is using the CPU: numbers will be understated' : '';
    console.log(`before the run: other processes ${loadBefore.otherCores.toFixed(2)} cores, steal ${loadBefore.stealCores.toFixed(2)} cores${warn}`);
  }
  const runLoad = startLoadProbe();
  const peaks = await measurePeaks();
  for (const [kind, p] of Object.entries(peaks)) console.log(`peak (${kind}): ${p.gflopsPerCore.toFixed(1)} GFLOP/s per core (${p.label})`);
  if (!peaks.native && !peaks.wasm) console.log('peak: n/a (no peak provider registered)');

  const entries: Entry[] = [];
  for (const r of selected) entries.push(await setUp(r, true));
  const refRunner = known.find((r) => r.id === REFERENCE_ID);
  if (refRunner && !selected.includes(refRunner)) entries.push(await setUp(refRunner, false));

  const rows: Row[] = [];
  const summaries: CaseSummary[] = [];
  for (const c of cases) summaries.push(await runCase(c, entries, timing, env.cores, rows, peaks));
  for (const e of entries) await e.runner.teardown?.().catch(() => undefined);

  console.log(`\nagreement, worst max rel err per runner vs ${REFERENCE_ID} (flag > ${AGREE_TOL}):`);
  for (const e of entries.filter((x) => x.timed)) {
    const errs = rows.filter((r) => r.runner === e.runner.id && r.status === 'ok').map((r) => r.maxRelErr ?? 0);
    console.log(`  ${e.runner.id.padEnd(22)} ${errs.length ? Math.max(...errs).toExponential(1) : 'n/a (no output)'}`);
  }

  const results: Results = {
    schema: 1, command, startedAt, wallMs: performance.now() - t0, quick, env, loadBefore, load: runLoad(), peaks, reference: REFERENCE_ID,
    tolerance: AGREE_TOL, timing, cases: summaries, runners: entries.filter((e) => e.timed).map((e) => e.summary), rows,
  };
  const dir = resolve(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const suffix = quick ? '-quick' : full ? '' : '-partial';
  const file = resolve(dir, `${startedAt.slice(0, 10)}-${cpuSlug(env.cpuModel)}${suffix}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 1)}\n`);
  console.log(`\nwrote ${file}`);
  if (full) console.log(`wrote ${writeReport(file)}`);
  else console.log(`(not a full run: BENCHMARKS.md untouched; render with node dist/bench/report.js ${file} --out <path>)`);
  console.log(`wall time ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().then(
  // Worker threads and onnxruntime's pools can keep the event loop alive after teardown.
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    console.error(USAGE);
    process.exit(1);
  },
);
