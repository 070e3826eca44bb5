// Inside a worker: the descriptor network of the configured model, fed an aligned chip (face/align.ts).
import { alignedChip, mirrorChip, type ChipName, type FacePoints } from './align.js';
import type { RgbImage } from './image.js';
import type { FaceModelSpec, OnnxInput } from './models.js';
import type { Purpose } from './types.js';
import { faceapi, tf } from './detect.js';
import { openSession, tensor } from './onnx.js';

const CHIP_SIZE: Record<ChipName, number> = { dlib: 150, arcface: 112, intel: 128 };

export interface DescriptorNet {
  readonly dim: number;
  /** One descriptor for one chip of the model's layout and size. */
  describeChip(chip: Uint8Array, size: number): Promise<Float32Array>;
}

/** face-api's FaceRecognitionNet: a 150 px RGB chip (it subtracts dlib's mean colour itself). */
function faceApiNet(): DescriptorNet {
  return {
    dim: 128,
    async describeChip(chip, size) {
      const t = tf.tensor3d(chip, [size, size, 3], 'int32');
      try {
        return (await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(t)) as Float32Array;
      } finally {
        t.dispose();
      }
    },
  };
}

/**
 * An ONNX descriptor: one `size`×`size` chip in (the model's template: ArcFace 112, Intel 128), one
 * descriptor out; NCHW or NHWC as the model declares.
 */
async function onnxNet(file: string, input: OnnxInput, size: number): Promise<DescriptorNet> {
  const session = await openSession(file);
  const inputName = session.inputNames[0]!;
  const shape = session.inputMetadata?.find((m) => m.name === inputName)?.shape ?? [];
  const nhwc = shape.length === 4 && shape[3] === 3;
  const [r, b] = input.order === 'rgb' ? [0, 2] : [2, 0];
  const run = async (chip: Uint8Array, side: number): Promise<Float32Array> => {
    const n = side * side;
    const x = new Float32Array(3 * n);
    const k = 1 / input.std;
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      const c0 = (chip[o + r]! - input.mean) * k,
        c1 = (chip[o + 1]! - input.mean) * k,
        c2 = (chip[o + b]! - input.mean) * k;
      if (nhwc) {
        x[o] = c0;
        x[o + 1] = c1;
        x[o + 2] = c2;
      } else {
        x[i] = c0;
        x[n + i] = c1;
        x[2 * n + i] = c2;
      }
    }
    const out = await session.run({ [inputName]: tensor(x, nhwc ? [1, side, side, 3] : [1, 3, side, side]) });
    return Float32Array.from(out[session.outputNames[0]!]!.data);
  };
  // The output size, from one run on a grey chip (models often declare it dynamic).
  const dim = (await run(new Uint8Array(size * size * 3).fill(128), size)).length;
  if (dim % 16 !== 0) throw new Error(`${file}: the model gives ${dim} values; the index needs a multiple of 16`);
  return { dim, describeChip: run };
}

export async function openDescriptorNet(model: FaceModelSpec): Promise<DescriptorNet> {
  if (model.kind === 'faceapi') return faceApiNet();
  if (!model.onnx) throw new Error(`model ${model.id} has no ONNX file`);
  return onnxNet(model.onnx.path, model.onnx.input, CHIP_SIZE[model.chip]);
}

/** The aligned chip of a face (kept for the quality gate) and its descriptor under the model's rules. */
export async function describeFace(
  net: DescriptorNet,
  model: FaceModelSpec,
  image: RgbImage,
  face: FacePoints,
  purpose: Purpose,
): Promise<{ descriptor: Float32Array; chip: Uint8Array; size: number; scale: number }> {
  const aligned = alignedChip(image, face, model.chip);
  const d = await net.describeChip(aligned.chip, aligned.size);
  if (model.mirror === 'both' || (model.mirror === 'enrol' && purpose === 'enrol')) {
    const m = await net.describeChip(mirrorChip(aligned.chip, aligned.size), aligned.size);
    for (let i = 0; i < d.length; i++) d[i] = (d[i]! + m[i]!) / 2;
  }
  if (model.unitLength) {
    let s = 0;
    for (const v of d) s += v * v;
    const k = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let i = 0; i < d.length; i++) d[i] = d[i]! * k;
  }
  return { descriptor: d, ...aligned };
}
