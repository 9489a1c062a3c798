import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';

/**
 * One recorded op: the tensors it read and how to turn the gradient of its output into gradients
 * of those inputs. The closure holds whatever the op saved for backward; both are dropped once the
 * node has run, so a finished step keeps no graph memory.
 */
export interface GradNode {
  /** The op's name, for error messages and `gradFn.op` inspection. */
  readonly op: string;
  inputs: readonly Tensor[];
  /** Gradients for `inputs`, in order; `null` where an input needs none. Null once run. */
  backward: ((gradOutput: Tensor) => readonly (Tensor | null)[]) | null;
}

/** Inside a backward rule: whether this input wants a gradient (skip computing the ones that don't). */
export function needsGrad(t: Tensor | null | undefined): t is Tensor {
  return t !== null && t !== undefined && t.requiresGrad;
}

/**
 * Attaches a backward node to an op's fresh output when recording is on and any input requires
 * gradients; otherwise returns the output untouched. The backward rule receives dL/d(output) and
 * returns dL/d(input) per input (null for inputs that do not require gradients; use `needsGrad`
 * to skip computing those).
 */
export function record(
  op: string,
  output: Tensor,
  inputs: readonly (Tensor | null | undefined)[],
  backward: (gradOutput: Tensor) => readonly (Tensor | null)[],
): Tensor {
  if (!isGradEnabled()) return output;
  const real = inputs.filter((t): t is Tensor => t !== null && t !== undefined);
  if (!real.some((t) => t.requiresGrad)) return output;
  // Rules return one gradient per listed input, nulls included; keep that alignment for the engine.
  const positions = inputs.map((t) => (t === null || t === undefined ? -1 : 0));
  const rule =
    real.length === inputs.length
      ? backward
      : (g: Tensor) => backward(g).filter((_, i) => positions[i] === 0);
  output.requiresGrad = true;
  output.gradFn = { op, inputs: real, backward: rule };
  return output;
}
