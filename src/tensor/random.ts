/**
 * A small seeded PRNG (mulberry32) so that tests, examples and benchmarks draw the same numbers on
 * every machine. Not for cryptography.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer uniform in [low, high] inclusive. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  /** Standard normal by Box–Muller (one draw per call; the pair's twin is discarded for simplicity). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1], so log(u) is finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/**
 * The generator that initialisers, dropout and data shuffling draw from when not given one, so one
 * call to `manualSeed` fixes a whole training run (as `torch.manual_seed`).
 */
let global = new Rng(0);

/** Reseeds the global generator. @example manualSeed(42) // same init, data order and dropout masks */
export function manualSeed(seed: number): void {
  global = new Rng(seed);
}

/** The global generator (see `manualSeed`). */
export function globalRng(): Rng {
  return global;
}
