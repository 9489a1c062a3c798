/** Peer: tfjs-backend-cpu, tfjs's plain-JavaScript backend (single thread). */
import { type PlannedCase, type Prepared, Refused, type Runner } from '../runner-types.js';
import { prepareTfjs } from './tfjs-conv.js';
import { importCjs, packageVersion, setBackendOrExplain, type Tf } from './tfjs-load.js';

export function tfjsCpuRunner(): Runner {
  let tf: Tf;
  return {
    id: 'tfjs-cpu',
    label: 'tfjs-backend-cpu (JS)',
    threads: 1,
    async setup() {
      tf = await importCjs<Tf>('@tensorflow/tfjs-core');
      await import('@tensorflow/tfjs-backend-cpu'); // registers the 'cpu' backend
      const failure = await setBackendOrExplain(tf, 'cpu');
      if (failure) throw new Refused(`tfjs cpu backend did not start: ${failure}`);
    },
    async info() {
      return { version: packageVersion('@tensorflow/tfjs-backend-cpu'), core: packageVersion('@tensorflow/tfjs-core'), backend: tf.getBackend() };
    },
    prepare(c: PlannedCase, x: Float32Array, w: Float32Array, b: Float32Array): Promise<Prepared> {
      return prepareTfjs(tf, c, x, w, b);
    },
  };
}
