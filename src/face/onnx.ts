// onnxruntime-node inside a worker thread: one session per network, one thread each (the pool has a worker per core).
import { createRequire } from 'node:module';

export interface OrtTensor {
  data: Float32Array;
  dims: readonly number[];
}
export interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata?: readonly { name: string; shape?: readonly (number | string)[] }[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
}
export interface Ort {
  InferenceSession: { create(path: string, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}

let ort: Ort | undefined;

export function loadOrt(): Ort {
  if (ort) return ort;
  try {
    ort = createRequire(import.meta.url)('onnxruntime-node') as Ort;
    return ort;
  } catch (e) {
    throw new Error(`the face engine needs the package onnxruntime-node (npm ci installs it): ${(e as Error).message}`, { cause: e });
  }
}

/** A session on one thread, sequential, fully optimised: the engine runs one worker per core already. */
export function openSession(file: string): Promise<OrtSession> {
  return loadOrt().InferenceSession.create(file, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

export function tensor(data: Float32Array, dims: number[]): unknown {
  return new (loadOrt().Tensor)('float32', data, dims);
}
