/**
 * Every runner the harness knows, in table order. Peers that keep library-wide state (a fixed
 * thread pool, an active backend) run each in its own worker thread; onnxruntime-node runs in the
 * main thread and its 1-thread configuration is the numerical reference.
 */
import { registerPeakProvider } from './peak.js';
import { atrousKernelRunners, atrousPeakProviders } from './peers/atrous.js';
import { ortNodeRunner } from './peers/onnxruntime-node.js';
import type { Runner } from './runner-types.js';
import { inWorker } from './worker/host.js';

/** The runner whose output every other output is compared against. */
export const REFERENCE_ID = 'ort-node-1t';

const peer = (file: string, factory: string, args: unknown[]) =>
  inWorker({ module: new URL(`./peers/${file}`, import.meta.url).href, factory, args });

/** atrous-native and atrous-wasm at 1 and 2 threads; their peak loops fill the % peak column. */
export async function atrousRunners(): Promise<Runner[]> {
  for (const p of atrousPeakProviders()) registerPeakProvider(p);
  return atrousKernelRunners();
}

const wasmPeak = (r: Runner): Runner => ({ ...r, peakKind: 'wasm' });

export async function peerRunners(): Promise<Runner[]> {
  return [
    ortNodeRunner(1),
    ortNodeRunner('default'),
    wasmPeak(await peer('onnxruntime-web.js', 'ortWebRunner', [1])),
    wasmPeak(await peer('onnxruntime-web.js', 'ortWebRunner', [2])),
    wasmPeak(await peer('tfjs-wasm.js', 'tfjsWasmRunner', [1])),
    // tfjs turns threads off under Node; this row records what happens when they are forced on.
    wasmPeak(await peer('tfjs-wasm.js', 'tfjsWasmRunner', [2])),
    await peer('tfjs-cpu.js', 'tfjsCpuRunner', []),
  ];
}

export async function allRunners(): Promise<Runner[]> {
  return [...(await atrousRunners()), ...(await peerRunners())];
}
