import type { TypedData } from '../../tensor/tensor.js';

/**
 * ReLU in place by PyTorch's rules (NaN stays NaN, −0 becomes +0): the reference for a fused
 * conv + ReLU, which the fast kernels apply as they store each output (csrc/conv-direct.h).
 */
export function reluInPlaceRef(y: TypedData): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    y[i] = v > 0 ? v : v !== v ? v : 0;
  }
}
