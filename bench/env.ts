/** The machine and software a run measured, saved with its numbers. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

export interface Environment {
  cpuModel: string;
  /** x86 family/model/stepping: a VM often reports only 'AMD EPYC', the family says which generation. */
  cpuId: string;
  /** The SIMD features that decide which kernels can run. */
  isa: Record<'sse4_2' | 'avx' | 'avx2' | 'fma' | 'avx512f' | 'avx512_vnni', boolean>;
  cores: number;
  memGiB: number;
  os: string;
  hypervisor: boolean;
  node: string;
  v8: string;
  packages: Record<string, string>;
  git: string;
}

const PEER_PACKAGES = [
  'onnxruntime-node', 'onnxruntime-common', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-cpu', 'typescript',
];

function cpuinfo(): Map<string, string> {
  const info = new Map<string, string>();
  try {
    // First processor block only; every core reports the same.
    for (const line of readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0].split('\n')) {
      const [k, ...v] = line.split(':');
      if (k && v.length) info.set(k.trim(), v.join(':').trim());
    }
  } catch {
    // Not Linux: the fields below fall back to os.cpus() or 'unknown'.
  }
  return info;
}

function packageVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of PEER_PACKAGES) {
    try {
      out[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      out[name] = 'not installed';
    }
  }
  // onnxruntime-web's "exports" hide its package.json; read the file next to its main entry.
  try {
    const main = require.resolve('onnxruntime-web');
    const pkg = main.slice(0, main.lastIndexOf('/dist/')) + '/package.json';
    out['onnxruntime-web'] = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    out['onnxruntime-web'] = 'not installed';
  }
  return out;
}

function gitRevision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

export function environment(): Environment {
  const info = cpuinfo();
  const flags = new Set((info.get('flags') ?? '').split(/\s+/));
  return {
    cpuModel: info.get('model name') ?? os.cpus()[0]?.model ?? 'unknown',
    cpuId: `family ${info.get('cpu family') ?? '?'} model ${info.get('model') ?? '?'} stepping ${info.get('stepping') ?? '?'}`,
    isa: {
      sse4_2: flags.has('sse4_2'), avx: flags.has('avx'), avx2: flags.has('avx2'), fma: flags.has('fma'),
      avx512f: flags.has('avx512f'), avx512_vnni: flags.has('avx512_vnni'),
    },
    cores: os.availableParallelism(),
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    hypervisor: flags.has('hypervisor'),
    node: process.version,
    v8: process.versions.v8,
    packages: packageVersions(),
    git: gitRevision(),
  };
}

/** 'AMD EPYC 7B13 64-Core Processor' → 'amd-epyc-7b13-64-core-processor'; names the results file. */
export function cpuSlug(model: string): string {
  return model.toLowerCase().replace(/\(r\)|\(tm\)/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'unknown-cpu';
}
