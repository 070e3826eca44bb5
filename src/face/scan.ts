// The exact scan's inner loop in WebAssembly SIMD (scan.wat): squared distances from one query to
// every row of the N×D matrix, 4 floats an instruction. Measured here (benchmarks/test_lookup, one
// thread): a lookup over 2,500 rows 0.18 ms in plain JS → 0.027 ms; 100k 6.6 → 1.6 ms; 1M 63 → 17 ms.
// The matrix lives in the module's memory, so FaceIndex's Float32Array is a view on it and nothing is
// copied per query.
import { SCAN_WASM_BASE64 } from './scan-wasm.js';

// The few WebAssembly JS API types used here (@types/node 20 does not declare them; lib "dom" is off).
// eslint-disable-next-line @typescript-eslint/no-namespace -- ambient types for the global WebAssembly object, which is a namespace
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(d: { initial: number });
    readonly buffer: ArrayBuffer;
  }
  class Instance {
    constructor(m: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}

const PAGE = 65536;
/** wasm32 memories stop at 4 GiB; beyond ~8M faces the index falls back to plain JS. */
const MAX_BYTES = 4 * 1024 ** 3 - PAGE;

let compiled: WebAssembly.Module | null | undefined;

function scanModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(SCAN_WASM_BASE64, 'base64'));
    } catch {
      compiled = null; // no WASM SIMD in this runtime: the JS loop is used
    }
  }
  return compiled;
}

type DistancesFn = (matrix: number, rows: number, query: number, out: number, rowBytes: number) => void;

/** Memory layout: [query: D floats][distances: capacity floats][matrix: capacity × D floats]. */
export class ScanMatrix {
  /** The matrix (capacity × D), a view on the module's memory. */
  readonly vectors: Float32Array;
  private readonly query: Float32Array;
  private readonly out: Float32Array;
  private readonly outOffset: number;
  private readonly matrixOffset: number;

  private constructor(
    memory: WebAssembly.Memory,
    private readonly fn: DistancesFn,
    readonly capacity: number,
    readonly dim: number,
  ) {
    this.outOffset = dim * 4;
    this.matrixOffset = dim * 4 + capacity * 4;
    this.query = new Float32Array(memory.buffer, 0, dim);
    this.out = new Float32Array(memory.buffer, this.outOffset, capacity);
    this.vectors = new Float32Array(memory.buffer, this.matrixOffset, capacity * dim);
  }

  /**
   * A zeroed matrix for `capacity` rows of `dim` floats, or undefined where WASM SIMD or the memory is
   * not available (or dim is not a multiple of 16: the loop reads 16 floats at a time).
   */
  static create(capacity: number, dim = 128): ScanMatrix | undefined {
    const mod = scanModule();
    const cap = Math.ceil(Math.max(1, capacity) / 4) * 4; // keeps the matrix 16-byte aligned
    const bytes = dim * 4 + cap * 4 + cap * dim * 4;
    if (!mod || dim % 16 !== 0 || bytes > MAX_BYTES) return undefined;
    try {
      const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) });
      const instance = new WebAssembly.Instance(mod, { env: { memory } });
      return new ScanMatrix(memory, instance.exports.distances as DistancesFn, cap, dim);
    } catch {
      return undefined; // e.g. the process cannot reserve that much memory
    }
  }

  /** Squared distances from `query` to rows 0…rows-1; the view is reused by the next call. */
  distances(query: Float32Array, rows: number): Float32Array {
    this.query.set(query);
    this.fn(this.matrixOffset, rows, 0, this.outOffset, this.dim * 4);
    return this.out.subarray(0, rows);
  }
}
