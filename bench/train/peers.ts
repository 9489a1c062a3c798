/**
 * The training peers: PyTorch (bench/train/pytorch_step.py, run as a subprocess with a Python that
 * can import torch) and tfjs, which cannot take these steps at all — its conv gradients assert
 * dilation 1, and its WASM backend registers no conv weight-gradient kernel. The tfjs rows record
 * the errors tfjs itself raises, probed here on tiny shapes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from '../measure.js';

export interface TorchResult {
  python: string;
  torch_version: string;
  threads: Record<string, { tcn_ms: number; context_ms: number; steps: number } & Record<string, unknown>>;
  [key: string]: unknown;
}

/** A Python that imports torch: $ATROUS_TORCH_PYTHON, Debian's /usr/bin/python3, or python3 on PATH. */
export function findTorchPython(): string | null {
  for (const py of [process.env.ATROUS_TORCH_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

/**
 * Runs one round of the PyTorch side (`steps` timed steps per model and thread count, after its own
 * warm-up) in a subprocess; its progress goes to our stderr.
 */
export function runTorchRound(python: string, steps: number, threads: number[]): TorchResult {
  const script = fileURLToPath(new URL('../../../bench/train/pytorch_step.py', import.meta.url));
  const out = execFileSync(python, [script, '--steps', String(steps), '--threads', threads.join(','), '--rounds', '1', '--part'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20,
  });
  return { ...(JSON.parse(out) as Record<string, unknown>), python } as TorchResult;
}

type TorchTimes = { times_ms: number[] } & Record<string, unknown>;

/**
 * The rounds of runTorchRound as one result: each model's median over the steps of every round,
 * the rounds' own records kept under `rounds`.
 */
export function mergeTorchRounds(rounds: TorchResult[]): TorchResult {
  const threads: TorchResult['threads'] = {};
  for (const t of Object.keys(rounds[0].threads)) {
    const all = (model: 'tcn' | 'context') => rounds.flatMap((r) => (r.threads[t][model] as TorchTimes).times_ms);
    const tcn = all('tcn'), context = all('context');
    threads[t] = { tcn_ms: median(tcn), context_ms: median(context), steps: tcn.length, tcn: { times_ms: tcn }, context: { times_ms: context } };
  }
  return { ...rounds[0], threads, rounds, command: `${rounds[0].command} (run once per round, interleaved with atrous's rounds)` };
}

/** What tfjs says when asked for the gradients a dilated training step needs. */
export async function probeTfjs(): Promise<{ backend: string; what: string; error: string }[]> {
  // The union package: tfjs-core's Node bundle alone registers no gradients at all.
  const tf = await import('@tensorflow/tfjs');
  const out: { backend: string; what: string; error: string }[] = [];
  const attempt = async (backend: string, what: string, fn: () => void) => {
    try {
      await tf.setBackend(backend);
      await tf.ready();
      fn();
      out.push({ backend, what, error: '' });
    } catch (e) {
      out.push({ backend, what, error: e instanceof Error ? e.message : String(e) });
    }
  };
  type T3 = import('@tensorflow/tfjs').Tensor3D;
  type T4 = import('@tensorflow/tfjs').Tensor4D;
  const dilated = () => tf.grads((a, b) => tf.sum(tf.conv1d(a as T3, b as T3, 1, 'valid', 'NWC', 4)))([tf.ones([1, 16, 2]), tf.ones([2, 2, 2])]);
  await attempt('cpu', 'gradient of conv1d with dilation 4 (the TCN / WaveNet step)', dilated);
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = fileURLToPath(new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url));
    wasm.setWasmPaths(dir);
    await attempt('wasm', 'gradient of conv1d with dilation 4', dilated);
    const plain = () => tf.grads((a, b) => tf.sum(tf.conv2d(a as T4, b as T4, 1, 'same')))([tf.ones([1, 8, 8, 2]), tf.ones([3, 3, 2, 2])]);
    await attempt('wasm', 'gradient of a dilation-1 conv2d (weight gradient)', plain);
  } catch (e) {
    out.push({ backend: 'wasm', what: 'load tfjs-backend-wasm', error: e instanceof Error ? e.message : String(e) });
  }
  await tf.setBackend('cpu');
  return out;
}
