// The parts of the WebAssembly JS API and of ES2024 Atomics that the wasm kernels use. Node 20 has
// them; TypeScript declares them only in its DOM and ES2024 libraries, which this Node-only,
// ES2022 project does not load.

declare namespace WebAssembly {
  type Bytes = ArrayBuffer | ArrayBufferView;

  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }

  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(pages: number): number;
  }

  interface ModuleImportDescriptor {
    module: string;
    name: string;
    kind: string;
  }

  class Module {
    constructor(bytes: Bytes);
    static imports(module: Module): ModuleImportDescriptor[];
  }

  class Global {
    value: unknown;
  }

  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }

  function validate(bytes: Bytes): boolean;
}

interface Atomics {
  waitAsync(
    typedArray: Int32Array,
    index: number,
    value: number,
    timeout?: number,
  ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
}
