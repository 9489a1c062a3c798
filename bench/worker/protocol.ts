/** Messages between a worker-hosted runner (host.ts) and its worker (entry.ts). */
import type { PlannedCase } from '../runner-types.js';

export interface HostedSpec {
  /** file: URL of the compiled adapter module. */
  module: string;
  /** Name of the exported factory returning a Runner. */
  factory: string;
  /** Structured-cloneable arguments of the factory. */
  args: unknown[];
}

export type RequestBody =
  | { op: 'setup' | 'info' | 'run' | 'dispose' | 'ping' }
  | { op: 'prepare'; c: PlannedCase; x: Float32Array; w: Float32Array; b: Float32Array };

export type Request = RequestBody & { seq: number };

export type Reply =
  | { seq: number; ok: true; value?: unknown }
  | { seq: number; ok: false; refused: boolean; message: string };
