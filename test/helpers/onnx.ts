// A small ArcFace-layout ONNX model written byte by byte (protobuf), for testing the bring-your-own-model path
// without licensed weights: 112×112 RGB chip → 8×8 average pooling → fixed random projection → 512 values.
import fs from 'node:fs';

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, v: number | bigint) => [...key(field, 0), ...varint(v)];
const bytes = (field: number, b: Uint8Array | number[]) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);

function valueInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, int(1, d)));
  const tensorType = [...int(1, 1), ...bytes(2, shape)]; // elem_type FLOAT, shape
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

function node(op: string, inputs: string[], outputs: string[], attrs: number[][] = []): number[] {
  return [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(4, op), ...attrs.flatMap((a) => bytes(5, a))];
}

const intsAttr = (name: string, values: number[]) => [...str(1, name), ...int(20, 7), ...values.flatMap((v) => int(8, v))];
const intAttr = (name: string, value: number) => [...str(1, name), ...int(20, 2), ...int(3, value)];

function floatTensor(name: string, dims: number[], data: Float32Array): number[] {
  return [...dims.flatMap((d) => int(1, d)), ...int(2, 1), ...str(8, name), ...bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))];
}

/** Writes the model to `file`; `seed` fixes the projection (the same seed gives the same file). */
export function writeTestArcfaceModel(file: string, seed = 1): void {
  const pooled = 3 * 14 * 14;
  const w = new Float32Array(pooled * 512);
  let s = seed >>> 0;
  for (let i = 0; i < w.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    w[i] = (s / 2 ** 32 - 0.5) / Math.sqrt(pooled);
  }
  const graph = [
    ...bytes(1, node('AveragePool', ['input'], ['pooled'], [intsAttr('kernel_shape', [8, 8]), intsAttr('strides', [8, 8])])),
    ...bytes(1, node('Flatten', ['pooled'], ['flat'], [intAttr('axis', 1)])),
    ...bytes(1, node('MatMul', ['flat', 'projection'], ['embedding'])),
    ...str(2, 'test-arcface'),
    ...bytes(5, floatTensor('projection', [pooled, 512], w)),
    ...bytes(11, valueInfo('input', [1, 3, 112, 112])),
    ...bytes(12, valueInfo('embedding', [1, 512])),
  ];
  const model = [...int(1, 7), ...str(2, 'exam-face-checkin tests'), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...int(2, 13)])];
  fs.writeFileSync(file, Uint8Array.from(model));
}
