// 128-d descriptor ↔ 512-byte little-endian float32 blob, as stored in students.embedding.
export const DESCRIPTOR_DIM = 128;
const BYTES = DESCRIPTOR_DIM * 4;

export function encodeEmbedding(descriptor: Float32Array): Buffer {
  if (descriptor.length !== DESCRIPTOR_DIM) throw new Error(`descriptor has ${descriptor.length} values, expected ${DESCRIPTOR_DIM}`);
  const out = Buffer.alloc(BYTES);
  for (let i = 0; i < DESCRIPTOR_DIM; i++) out.writeFloatLE(descriptor[i]!, i * 4);
  return out;
}

/** Decodes into `target` at `offset` (no allocation) or into a new array. */
export function decodeEmbedding(blob: Uint8Array, target: Float32Array<ArrayBufferLike> = new Float32Array(DESCRIPTOR_DIM), offset = 0): Float32Array<ArrayBufferLike> {
  if (blob.byteLength !== BYTES) throw new Error(`embedding blob has ${blob.byteLength} bytes, expected ${BYTES}`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let i = 0; i < DESCRIPTOR_DIM; i++) target[offset + i] = view.getFloat32(i * 4, true);
  return target;
}

export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}
