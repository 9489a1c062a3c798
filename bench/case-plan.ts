/** Loads a shape suite and resolves every case through atrous's planConv (pads, output size, FLOPs). */
import { readFileSync } from 'node:fs';
import { planConv } from '../src/shape/plan-conv.js';
import type { BenchCase, PlannedCase } from './runner-types.js';

const prod = (a: readonly number[]): number => a.reduce((p, v) => p * v, 1);

/** bench/shapes/<name>.json, found from the compiled file (dist/bench/) or the source (bench/). */
export function suitePath(name = 'suite'): URL {
  return new URL(`../../bench/shapes/${name}.json`, import.meta.url);
}

export function loadSuite(path: URL | string = suitePath()): BenchCase[] {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { cases: BenchCase[] };
  return json.cases;
}

export function planCase(c: BenchCase): PlannedCase {
  const nd = c.spatial.length;
  const xShape = [c.N, c.Cin, ...c.spatial];
  const wShape = [c.Cout, c.Cin / c.groups, ...c.kernel];
  // planConv validates too: a typo in the suite fails here with atrous's own message.
  const plan = planConv(`bench ${c.name}`, nd, xShape, wShape, [c.Cout], {
    stride: c.stride, dilation: c.dilation, padding: c.padding, groups: c.groups, causalAxis: c.causalAxis,
  });
  const outShape = [...plan.outShape];
  const flops = 2 * c.N * c.Cout * (c.Cin / c.groups) * prod(c.kernel) * prod(plan.outSize);
  const bytes = 4 * (prod(xShape) + prod(wShape) + c.Cout + prod(outShape));
  return {
    ...c, nd, xShape, wShape, pads: plan.pads.map(([b, a]): [number, number] => [b, a]), outShape, flops, bytes, plan,
  };
}

/** FNV-1a of the case name: each case draws the same data whatever subset of the suite runs. */
export function caseSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
