// Types shared by the face engine, its worker threads and their callers.
import type { ErrorCode } from '../errors.js';
import type { FaceModelSpec } from './models.js';
import type { FaceQuality } from './quality.js';

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** `tiny<inputSize>` (TinyFaceDetector at that input size), SSD MobileNet v1 (face-api) or YuNet. */
export type DetectorName = `tiny${number}` | 'ssd' | 'yunet';

export interface DetectedFace {
  /** In the pixels of the photo as shown (EXIF rotation applied, before any resize). */
  box: FaceBox;
  score: number;
  detector: DetectorName;
  /** The model's descriptor; present for the faces that were asked to be described. */
  descriptor?: Float32Array;
  /** Size, sharpness, pose and exposure of the described face. */
  quality?: FaceQuality;
}

/**
 * `probe`: a checkpoint frame, taken as it is.
 * `enrol`: an ID photo; padded with a grey border first, because detectors miss tight crops.
 */
export type Purpose = 'probe' | 'enrol';

export interface DescribeOptions {
  purpose: Purpose;
  /** Which faces get a descriptor: only the largest (default) or every face found. */
  describe?: 'largest' | 'all';
  /** Also return the photo as a small upright JPEG (the operator compares it with the live frame). */
  thumbnail?: boolean;
}

export interface StageTimings {
  decode: number;
  detect: number;
  landmarks: number;
  descriptor: number;
}

export interface DescribeResult {
  /** Largest face first. */
  faces: DetectedFace[];
  width: number;
  height: number;
  timings: StageTimings;
  thumbnail?: Uint8Array;
  /** With `thumbnail`: a smaller copy to store when the photo itself is too large to keep (else keep the bytes). */
  source?: Uint8Array;
}

export interface WorkerRequest {
  id: number;
  bytes: Uint8Array;
  options: DescribeOptions;
}

export type WorkerResponse =
  { id: number; ok: true; result: DescribeResult; numTensors: number } | { id: number; ok: false; code: ErrorCode; message: string; detail?: string };

export interface WorkerInit {
  maxPixels: number;
  model: FaceModelSpec;
}
