/**
 * Loads tfjs-core and one backend. The packages are CommonJS (their "main" is the node bundle), so
 * all of them resolve to the same tfjs-core instance; each tfjs runner lives in its own worker
 * thread (bench/runners.ts), so switching backends never moves tensors between runners.
 */
import { createRequire } from 'node:module';
import type * as Tfjs from '@tensorflow/tfjs-core';

export type Tf = typeof Tfjs;

const require = createRequire(import.meta.url);

/** CommonJS modules come through dynamic import as `default`; named exports are a best guess by Node. */
export async function importCjs<T>(specifier: string): Promise<T> {
  const mod = (await import(specifier)) as { default?: T };
  return (mod.default ?? mod) as T;
}

export function packageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}

/** Directory of an installed package's file, with a trailing slash (tfjs's setWasmPaths wants a prefix). */
export function packageDir(name: string, sub: string): string {
  const root = require.resolve(`${name}/package.json`).replace(/package\.json$/, '');
  return `${root}${sub.replace(/\/?$/, '/')}`;
}

/**
 * tf.setBackend resolves false on failure and only console.warn's the cause; capture those lines
 * so a refusal can carry tfjs's own error text.
 */
export async function setBackendOrExplain(tf: Tf, name: string): Promise<string | null> {
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => { warned.push(args.map(String).join(' ')); };
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    // Production mode, as tfjs recommends for deployment; it also silences the Node banner. Set
    // only now because it silences the init failure messages too.
    tf.enableProdMode();
    return ok && tf.getBackend() === name ? null : firstLines(warned) || `tf.setBackend('${name}') returned false`;
  } catch (e) {
    return firstLines([...warned, (e as Error).message]);
  } finally {
    console.warn = warn;
  }
}

/** The messages without their stack frames, each distinct line once. */
function firstLines(lines: string[]): string {
  const out = lines.flatMap((l) => l.split('\n')).map((l) => l.trim().replace(/blob:nodedata:[0-9a-f-]+/g, 'blob:nodedata:<id>')).filter((l) => l && !l.startsWith('at '));
  return [...new Set(out)].join(' | ');
}
