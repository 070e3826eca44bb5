// Descriptor ↔ BLOB of little-endian float32 values, as stored in students.embedding (128 values for
// face-api's descriptor, 512 for an ArcFace-layout ONNX model).

/** face-api's FaceRecognitionNet (dlib's ResNet) gives 128 values. */
export const DESCRIPTOR_DIM = 128;

export function encodeEmbedding(descriptor: Float32Array): Buffer {
  if (descriptor.length === 0) throw new Error('empty descriptor');
  const out = Buffer.alloc(descriptor.length * 4);
  for (let i = 0; i < descriptor.length; i++) out.writeFloatLE(descriptor[i]!, i * 4);
  return out;
}

/**
 * Decodes `dim` values (default: as many as the blob holds) into `target` at `offset` (no allocation)
 * or into a new array; a blob of another length throws (a descriptor of another model never slips in).
 */
export function decodeEmbedding(
  blob: Uint8Array,
  dim = blob.byteLength / 4,
  target: Float32Array<ArrayBufferLike> = new Float32Array(dim),
  offset = 0,
): Float32Array<ArrayBufferLike> {
  if (!Number.isInteger(dim) || dim <= 0 || blob.byteLength !== dim * 4) throw new Error(`embedding blob has ${blob.byteLength} bytes, expected ${dim * 4}`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let i = 0; i < dim; i++) target[offset + i] = view.getFloat32(i * 4, true);
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
