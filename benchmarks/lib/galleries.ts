// Synthetic galleries for test_lookup: the seed's uniform random vectors, and face-shaped descriptors.
import { addSample, type FaceModel } from './face-model.js';

const D = 128;

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

export function normal(r: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

export interface Gallery {
  readonly name: string;
  /** Row i of data (size × 128) is the enrolled photo of person i; rows in probeRows can be probed later. */
  fill(data: Float32Array, size: number, probeRows: Iterable<number>): void;
  /** Another photo of the person enrolled at row. */
  genuine(row: number): Float32Array;
  /** Somebody who is not enrolled. */
  stranger(): Float32Array;
}

/** Uniform on the unit sphere (the hardest case for an ANN index); a second photo is 0.35 away. */
export function uniformGallery(r: () => number): Gallery {
  const n = normal(r);
  const unit = (out: Float32Array, offset: number) => {
    let len = 0;
    for (let i = 0; i < D; i++) {
      const g = n();
      out[offset + i] = g;
      len += g * g;
    }
    len = Math.sqrt(len);
    for (let i = 0; i < D; i++) out[offset + i]! /= len;
  };
  let data: Float32Array = new Float32Array(0);
  return {
    name: 'uniform',
    fill(d, size) {
      data = d;
      for (let i = 0; i < size; i++) unit(data, i * D);
    },
    genuine(row) {
      const v = new Float32Array(D);
      unit(v, 0);
      for (let k = 0; k < D; k++) v[k] = data[row * D + k]! + v[k]! * 0.35;
      return v;
    },
    stranger() {
      const v = new Float32Array(D);
      unit(v, 0);
      return v;
    },
  };
}

/** Descriptors drawn from a model fitted on real faces: identity + photo-to-photo variation. */
export function faceGallery(model: FaceModel, r: () => number): Gallery {
  const n = normal(r);
  const identity = () => {
    const v = Float32Array.from(model.mean);
    addSample(model.between, n, v);
    return v;
  };
  const photo = (person: Float32Array) => {
    const v = Float32Array.from(person);
    addSample(model.within, n, v);
    return v;
  };
  const kept = new Map<number, Float32Array>();
  return {
    name: 'faces',
    fill(data, size, probeRows) {
      const keep = new Set(probeRows);
      kept.clear();
      for (let i = 0; i < size; i++) {
        const person = identity();
        if (keep.has(i)) kept.set(i, person);
        data.set(photo(person), i * D);
      }
    },
    genuine(row) {
      const person = kept.get(row);
      if (!person) throw new Error(`row ${row} was not kept for probing`);
      return photo(person);
    },
    stranger: () => photo(identity()),
  };
}
