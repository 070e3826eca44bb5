// Descriptor models chosen by FACE_MODEL: Intel's face-reidentification-retail-0095 (the default, vendored), face-api's
// dlib ResNet, or an ONNX model of the ArcFace or Intel layout.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ChipName } from './align.js';
import { vendoredModelDir } from '../paths.js';

/** How the decision names a student for one model (see passes/decision.ts); calibrated per model. */
export interface MatchDefaults {
  /** Largest distance to the nearest enrolled face that may be named. */
  threshold: number;
  /** Required gap to the nearest *other* student. */
  margin: number;
  /** 1:1: the largest distance to a claimed student's nearest face (per-pair false-match rate ≤ 1e-4). */
  verify?: number;
  /** Roster-scoped search in an open sitting: rules by roster size, smallest first (a roster uses the first that fits). */
  rosters?: RosterRule[];
}

/** Searching only a sitting's registered students (up to `size` of them) after the 1:N rule found nobody. */
export interface RosterRule {
  size: number;
  threshold: number;
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
  /**
   * Where faces and their alignment points come from: face-api's detectors and 68 landmarks (dlib's
   * alignment needs them), or YuNet's boxes and five points in one network pass (face/yunet.ts).
   */
  points: FacePointSource;
  /** Which template the face is warped onto before the descriptor (face/align.ts). */
  chip: ChipName;
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
  /** With points 'yunet5': the vendored detector, checked by its hash at start. */
  detector?: VendoredFile;
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
  points: 'faceapi68',
  chip: 'dlib',
  mirror: 'enrol',
  unitLength: false,
  dim: 128,
  calibrated: {
    threshold: 0.45,
    margin: 0.12,
    verify: 0.475,
    rosters: [
      { size: 30, threshold: 0.385, margin: 0.08 },
      { size: 100, threshold: 0.385, margin: 0.08 },
    ],
  },
  i8Scale: 160,
  licence: "MIT (@vladmandic/face-api); the descriptor is dlib's face recognition ResNet, released into the public domain by its author",
};

/** Embeddings made before model ids were stored: face-api's descriptor of an axis-aligned box crop. */
export const LEGACY_MODEL_ID = 'faceapi-box';

/**
 * Where faces and their alignment points come from: face-api's detector cascade and 68 landmarks;
 * YuNet's boxes and five points; or YuNet's boxes and face-api's 68 landmarks found in them.
 */
export type FacePointSource = 'faceapi68' | 'yunet5' | 'yunet68';

/** A weights file that ships inside this repository (models/), with its expected hash. */
export interface VendoredFile {
  path: string;
  sha256: string;
}

/** YuNet 2023mar (OpenCV Zoo, MIT, models/yunet/LICENSE): the official file's hash. */
export const YUNET_FILE: VendoredFile = {
  path: path.join(vendoredModelDir, 'yunet', 'face_detection_yunet_2023mar.onnx'),
  sha256: '8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4',
};

/**
 * Intel Open Model Zoo face-reidentification-retail-0095 (Apache-2.0, models/intel-face-reid-0095/):
 * converted to ONNX from the public OpenVINO IR; see that folder's PROVENANCE.md for the hash caveat.
 */
export const INTEL_FILE: VendoredFile = {
  path: path.join(vendoredModelDir, 'intel-face-reid-0095', 'face-reidentification-retail-0095.onnx'),
  sha256: 'b02a658c705358dc59b53b001a5d5322c35c02ee87a8b5e2b12007b2edb91f0d',
};

const INTEL_LICENCE =
  'Apache-2.0 (Intel Open Model Zoo, models/intel-face-reid-0095/LICENSE); trained by Intel on VGGFace2 (published CC BY-SA 4.0, since withdrawn by its authors)';

/** ONNX models this project has calibrated: vendored (Intel's) or fetched by `npm run model:add -- NAME`. */
export interface KnownOnnxModel {
  name: string;
  sha256: string;
  /** Vendored: the path under models/; fetched: the file name under DATA_DIR/models. */
  file: string;
  vendored: boolean;
  /** Fetched models: the npm package (name@version) and the path of the file inside its tarball. */
  npm?: { spec: string; path: string };
  input: OnnxInput;
  chip: ChipName;
  points: FacePointSource;
  mirror: FaceModelSpec['mirror'];
  calibrated: MatchDefaults;
  label: string;
  licence: string;
}

export const KNOWN_ONNX: readonly KnownOnnxModel[] = [
  {
    name: 'intel',
    sha256: INTEL_FILE.sha256,
    file: INTEL_FILE.path,
    vendored: true,
    input: { order: 'bgr', mean: 0, std: 1 },
    chip: 'intel',
    points: 'yunet68',
    mirror: 'both',
    calibrated: {
      threshold: 0.949,
      margin: 0.04,
      verify: 1.084,
      rosters: [
        { size: 30, threshold: 0.969, margin: 0.042 },
        { size: 100, threshold: 0.969, margin: 0.042 },
      ],
    },
    label: 'Intel face-reidentification-retail-0095 (256-d)',
    licence: INTEL_LICENCE,
  },
  {
    name: 'faceplugin',
    sha256: '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581',
    file: 'fr_feature.onnx',
    vendored: false,
    npm: { spec: 'faceplugin-face-recognition-js@0.0.1', path: 'package/model/fr_feature.onnx' },
    input: { order: 'rgb', mean: 127, std: 128 },
    chip: 'arcface',
    points: 'faceapi68',
    mirror: 'none',
    calibrated: {
      threshold: 0.93,
      margin: 0.12,
      verify: 1.072,
      rosters: [
        { size: 30, threshold: 0.977, margin: 0.289 },
        { size: 100, threshold: 0.985, margin: 0.248 },
      ],
    },
    label: 'faceplugin fr_feature (512-d)',
    licence:
      'UNCLEAR: the package says MIT, but its LICENSE file is a template left from an unrelated package ("Copyright 2021 gitguanqi"); ' +
      'the model passed through vendors who sell licensed models and has no model card. Use it only if your institution has cleared it.',
  },
];

/** FACE_MODEL when unset. */
export const DEFAULT_MODEL_NAME = 'intel';

let shipped: FaceModelSpec | undefined;
/** The model FACE_MODEL unset gives (its vendored files checked once per process). */
export function defaultModel(): FaceModelSpec {
  return (shipped ??= resolveModel('', '', vendoredModelDir));
}

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A vendored file as it should be: present and with its hash, or an error saying what to do. */
function checkVendored(file: VendoredFile, what: string): void {
  if (!fs.existsSync(file.path))
    throw new Error(`${what}: ${file.path} is missing (it ships in the repository's models/ folder; restore it with git checkout)`);
  const sha = sha256File(file.path);
  if (sha !== file.sha256)
    throw new Error(
      `${what}: ${file.path} has sha256 ${sha.slice(0, 16)}…, expected ${file.sha256.slice(0, 16)}…: the file was changed or damaged; ` +
        'restore it with git checkout (to use another export of the model, see the README, «Модель распознавания»)',
    );
}

const ARCFACE_INPUT: OnnxInput = { order: 'rgb', mean: 127.5, std: 127.5 };

/** What changes a descriptor is part of the id: the file, its input scaling, the chip, the point source and the mirrored copy. */
function onnxModelId(sha256: string, input: OnnxInput, chip: ChipName, points: FacePointSource, mirror: FaceModelSpec['mirror']): string {
  return (
    `onnx-${sha256.slice(0, 16)}-${input.order}-${input.mean}-${input.std}` +
    (chip === 'arcface' ? '' : `-${chip}`) +
    (points === 'faceapi68' ? '' : `-${points}`) +
    (mirror === 'none' ? '' : `-mirror${mirror}`)
  );
}

export interface ModelOverrides {
  /** ONNX_INPUT for onnx:PATH. */
  input?: Partial<OnnxInput>;
  /** ONNX_CHIP for onnx:PATH: the template its descriptor was trained on. */
  chip?: 'arcface' | 'intel';
  /** For measurements (npm run calibrate --points / --mirror): another point source or mirrored copy. */
  points?: FacePointSource;
  mirror?: FaceModelSpec['mirror'];
}

/**
 * FACE_MODEL: unset or `intel` (default: Intel's model, vendored), `faceapi`, a fetched model's name
 * (`faceplugin`: DATA_DIR/models/fr_feature.onnx, `npm run model:add -- faceplugin`), or `onnx:PATH` for
 * any ONNX model of the ArcFace (112×112) or Intel (128×128) layout. Vendored files are checked by
 * their hash. Throws with a message for the admin when the model cannot be used.
 */
export function resolveModel(setting: string, dataDir: string, root: string, overrides: ModelOverrides = {}): FaceModelSpec {
  const name = setting === '' ? DEFAULT_MODEL_NAME : setting;
  if (name === 'faceapi') {
    if (!overrides.points && !overrides.mirror) return FACEAPI_MODEL;
    if (overrides.points && overrides.points !== 'faceapi68') throw new Error('face-api keeps its own detectors and landmarks');
    const mirror = overrides.mirror ?? FACEAPI_MODEL.mirror;
    return { ...FACEAPI_MODEL, mirror, id: mirror === 'enrol' ? FACEAPI_MODEL.id : `faceapi-dlib150-mirror${mirror}` };
  }
  const known = KNOWN_ONNX.find((m) => m.name === name);
  let file: string;
  if (known) file = known.vendored ? known.file : path.join(dataDir, 'models', known.file);
  else if (name.startsWith('onnx:') && name.length > 5) file = path.resolve(root, name.slice(5));
  else throw new Error(`expected faceapi, ${KNOWN_ONNX.map((m) => m.name).join(', ')} or onnx:PATH, got ${JSON.stringify(setting)}`);
  if (known?.vendored) checkVendored({ path: file, sha256: known.sha256 }, `FACE_MODEL=${known.name}`);
  if (!fs.existsSync(file)) {
    throw new Error(known ? `${file} not found: run \`npm run model:add -- ${known.name}\` first` : `${file} not found`);
  }
  const sha256 = known?.vendored ? known.sha256 : sha256File(file);
  const calibratedModel = KNOWN_ONNX.find((m) => m.sha256 === sha256);
  if (known && !calibratedModel)
    throw new Error(`${file}: checksum ${sha256.slice(0, 16)}… is not the ${known.name} model's; run \`npm run model:add -- ${known.name}\` again`);
  // ONNX_INPUT / ONNX_CHIP describe a file of one's own (onnx:PATH); a model known by name keeps its calibrated layout.
  const own = known ? {} : overrides;
  const chip: ChipName = calibratedModel?.chip ?? own.chip ?? 'arcface';
  const defaultInput = calibratedModel?.input ?? (chip === 'intel' ? { order: 'bgr' as const, mean: 0, std: 1 } : ARCFACE_INPUT);
  const feed = { ...defaultInput, ...own.input };
  const points = overrides.points ?? calibratedModel?.points ?? (chip === 'intel' ? 'yunet5' : 'faceapi68');
  const mirror = overrides.mirror ?? calibratedModel?.mirror ?? 'none';
  // The shipped threshold holds only for the pipeline it was measured on.
  const asCalibrated =
    calibratedModel && points === calibratedModel.points && mirror === calibratedModel.mirror && JSON.stringify(feed) === JSON.stringify(calibratedModel.input);
  if (points !== 'faceapi68') checkVendored(YUNET_FILE, 'YuNet face detector');
  return {
    id: onnxModelId(sha256, feed, chip, points, mirror),
    kind: 'onnx',
    label: calibratedModel ? `${calibratedModel.label}, ONNX` : `${path.basename(file)} (ONNX)`,
    points,
    chip,
    mirror,
    unitLength: true,
    onnx: { path: file, sha256, input: feed },
    ...(points !== 'faceapi68' ? { detector: YUNET_FILE } : {}),
    ...(asCalibrated ? { calibrated: calibratedModel.calibrated } : {}),
    // Unit-length descriptors of 256–512 values: components stay well within ±0.3.
    i8Scale: 400,
    licence: calibratedModel?.licence ?? 'supplied by the institution',
  };
}
