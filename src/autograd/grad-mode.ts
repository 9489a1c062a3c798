/**
 * Whether ops record the graph. Off inside `noGrad` (evaluation, optimizer updates, metrics), so
 * those computations keep no tape and no saved tensors.
 */
let enabled = true;

/** True when ops on tensors that require gradients record a backward node. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` without recording the graph, like PyTorch's `torch.no_grad()`. Synchronous only: an
 * `await` inside `fn` would let other code run with recording off.
 * @example const logits = noGrad(() => model.forward(x)) // evaluation: no tape, no saved tensors
 */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs `fn` with recording on, even inside `noGrad` (as `torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
