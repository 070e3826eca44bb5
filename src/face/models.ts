// Descriptor models: face-api's dlib ResNet (the default) or an ArcFace-layout ONNX model chosen by FACE_MODEL.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** How the decision names a student for one model (see passes/decision.ts); calibrated per model. */
export interface MatchDefaults {
  /** Largest distance to the nearest enrolled face that may be named. */
  threshold: number;
  /** Required gap to the nearest *other* student. */
  margin: number;
}

export interface OnnxInput {
  /** Channel order the network expects. */
  order: 'rgb' | 'bgr';
  /** Pixel p (0–255) is fed as (p − mean) / std. */
  mean: number;
  std: number;
}

export interface FaceModelSpec {
  /**
   * Stored with every embedding. Embeddings of another id are never compared with this model's: a
   * server started with another model re-describes the enrolled photos first (face/reembed.ts).
   */
  id: string;
  kind: 'faceapi' | 'onnx';
  /** For the admin page and logs. */
  label: string;
  /** Which template the face is warped onto before the descriptor (face/align.ts). */
  layout: 'dlib' | 'arcface';
  /**
   * Also describe the mirrored chip and average the two (test-time augmentation): for enrolment photos
   * only ('enrol': a steadier enrolled descriptor at no cost to the door), for every photo, or never.
   */
  mirror: 'none' | 'enrol' | 'both';
  /** Scale descriptors to unit length (cosine models: Euclidean distance is then √(2 − 2·cos)). */
  unitLength: boolean;
  /** Values per descriptor when known before the model is loaded (ONNX: read from the model). */
  dim?: number;
  onnx?: { path: string; sha256: string; input: OnnxInput };
  /** The shipped decision rule for this model, from `npm run calibrate`; undefined: MATCH_THRESHOLD must be set. */
  calibrated?: MatchDefaults;
  /** Scale of the int8 copy in the optional HNSW graph (face/ann.ts). */
  i8Scale: number;
  /** What the institution should know about the weights' licence. */
  licence: string;
}

/**
 * The default: face-api's FaceRecognitionNet (dlib's ResNet, 128-d) on the chip it was trained on —
 * dlib's 150 px similarity-aligned face; an enrolment photo's descriptor averages in its mirrored
 * copy. Code MIT (@vladmandic/face-api); dlib's author released the weights into the public domain.
 */
export const FACEAPI_MODEL: FaceModelSpec = {
  id: 'faceapi-dlib150-mirrorenrol',
  kind: 'faceapi',
  label: 'face-api FaceRecognitionNet (128-d, dlib alignment)',
  layout: 'dlib',
  mirror: 'enrol',
  unitLength: false,
  dim: 128,
  calibrated: { threshold: 0.45, margin: 0.12 },
  i8Scale: 160,
  licence: "MIT (@vladmandic/face-api); the descriptor is dlib's face recognition ResNet, released into the public domain by its author",
};

/** Embeddings made before model ids were stored: face-api's descriptor of an axis-aligned box crop. */
export const LEGACY_MODEL_ID = 'faceapi-box';

/** ONNX models this project has calibrated; `npm run model:add -- NAME` fetches one. */
export interface KnownOnnxModel {
  name: string;
  sha256: string;
  /** File name under DATA_DIR/models. */
  file: string;
  /** The npm package (name@version) and the path of the file inside its tarball. */
  npm: { spec: string; path: string };
  input: OnnxInput;
  calibrated: MatchDefaults;
  licence: string;
}

export const KNOWN_ONNX: readonly KnownOnnxModel[] = [
  {
    name: 'faceplugin',
    sha256: '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581',
    file: 'fr_feature.onnx',
    npm: { spec: 'faceplugin-face-recognition-js@0.0.1', path: 'package/model/fr_feature.onnx' },
    input: { order: 'rgb', mean: 127, std: 128 },
    calibrated: { threshold: 0.93, margin: 0.12 },
    licence:
      'UNCLEAR: the package says MIT, but its LICENSE file is a template left from an unrelated package ("Copyright 2021 gitguanqi"); ' +
      'the model passed through vendors who sell licensed models and has no model card. Use it only if your institution has cleared it.',
  },
];

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

const ARCFACE_INPUT: OnnxInput = { order: 'rgb', mean: 127.5, std: 127.5 };

/**
 * FACE_MODEL: `faceapi` (default), a known model's name (`faceplugin`: DATA_DIR/models/fr_feature.onnx,
 * fetched by `npm run model:add -- faceplugin`), or `onnx:PATH` for any ArcFace-layout model
 * (112×112 input, 5-point aligned, cosine). Throws with a message for the admin when it cannot be used.
 */
export function resolveModel(setting: string, dataDir: string, root: string, input?: Partial<OnnxInput>): FaceModelSpec {
  if (setting === '' || setting === 'faceapi') return FACEAPI_MODEL;
  const known = KNOWN_ONNX.find((m) => m.name === setting);
  let file: string;
  if (known) file = path.join(dataDir, 'models', known.file);
  else if (setting.startsWith('onnx:') && setting.length > 5) file = path.resolve(root, setting.slice(5));
  else throw new Error(`expected faceapi, ${KNOWN_ONNX.map((m) => m.name).join(', ')} or onnx:PATH, got ${JSON.stringify(setting)}`);
  if (!fs.existsSync(file)) {
    throw new Error(known ? `${file} not found: run \`npm run model:add -- ${known.name}\` first` : `${file} not found`);
  }
  const sha256 = sha256File(file);
  const calibratedModel = KNOWN_ONNX.find((m) => m.sha256 === sha256);
  if (known && !calibratedModel)
    throw new Error(`${file}: checksum ${sha256.slice(0, 16)}… is not the ${known.name} model's; run \`npm run model:add -- ${known.name}\` again`);
  const feed = { ...(calibratedModel?.input ?? ARCFACE_INPUT), ...input };
  return {
    // The input scaling changes every descriptor, so it is part of the id.
    id: `onnx-${sha256.slice(0, 16)}-${feed.order}-${feed.mean}-${feed.std}`,
    kind: 'onnx',
    label: calibratedModel ? `${calibratedModel.name} (${path.basename(file)}, ONNX)` : `${path.basename(file)} (ONNX)`,
    layout: 'arcface',
    mirror: 'none',
    unitLength: true,
    onnx: { path: file, sha256, input: feed },
    ...(calibratedModel ? { calibrated: calibratedModel.calibrated } : {}),
    // Unit-length 512-d descriptors: components stay well within ±0.3.
    i8Scale: 400,
    licence: calibratedModel?.licence ?? 'supplied by the institution',
  };
}
