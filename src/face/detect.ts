// face-api on tfjs-wasm inside a worker thread: the detector cascade and the 68 landmarks of a face.
import { createRequire } from 'node:module';
import { faceModelDir, tfjsWasmDir } from '../paths.js';
import type { RgbImage } from './image.js';
import type { DetectorName } from './types.js';

type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');
const require = createRequire(import.meta.url);
// The node-wasm bundle uses @tensorflow/tfjs + tfjs-backend-wasm (no native libtensorflow).
export const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
export const tf = faceapi.tf as unknown as typeof import('@tensorflow/tfjs') & { setWasmPaths(prefix: string, usePlatformFetch?: boolean): void };

export type Detection = import('@vladmandic/face-api').FaceDetection;
export type Landmarks = import('@vladmandic/face-api').FaceLandmarks68;
export type Tensor3D = import('@tensorflow/tfjs').Tensor3D;

/** A lone face narrower than this share of the frame gets a second opinion from SSD (group photos). */
const SMALL_FACE_SHARE = 0.2;

/** Loads tfjs-wasm (one thread) and the face-api networks this worker uses: the landmarks always, detectors and descriptor as asked. */
export async function setupFaceApi(use: { recognition: boolean; detectors: boolean }): Promise<void> {
  tf.setWasmPaths(tfjsWasmDir + '/', false);
  await tf.setBackend('wasm');
  await tf.ready();
  if (use.detectors) {
    await faceapi.nets.tinyFaceDetector.loadFromDisk(faceModelDir);
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(faceModelDir);
  }
  await faceapi.nets.faceLandmark68Net.loadFromDisk(faceModelDir);
  if (use.recognition) await faceapi.nets.faceRecognitionNet.loadFromDisk(faceModelDir);
}

export function toTensor(image: RgbImage): Tensor3D {
  return tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
}

/*
 * Detector choice, measured on this 2-core machine, one thread, 640×480 checkpoint frame:
 * TinyFaceDetector 30 ms at inputSize 224, 55 ms at 320, 90 ms at 416; SSD MobileNet v1 ≈ 270 ms;
 * 68 landmarks 11 ms a pass. On the 54 real tight crops of ../shared/faces after 40 % padding a
 * face was found by tiny-224 in 48, tiny-416 in 45, SSD in 49. Enrolment and checkpoint run the
 * same cascade: tiny-224 (a face at the door or in an ID photo fills a good part of the frame),
 * tiny-416 for smaller faces, and SSD only when both find nothing or a lone face is small enough
 * that other people may be in the frame. A normal frame costs ~30 ms of detection and recall stays SSD's.
 */
function detectorOptions(name: DetectorName): unknown {
  if (name === 'ssd') return new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 20 });
  return new faceapi.TinyFaceDetectorOptions({ inputSize: Number(name.slice(4)), scoreThreshold: 0.5 });
}

async function run(input: Tensor3D, name: DetectorName): Promise<Detection[]> {
  return faceapi.detectAllFaces(input, detectorOptions(name) as never);
}

/**
 * Tiny first (224 or 416 by image size, then the other); SSD when tiny finds nothing, or finds a
 * single face small enough that other people may be in the frame (tiny misses small faces, and a
 * missed second face would hide a "multiple faces" frame). SSD's answer replaces tiny's only when
 * it finds more faces, so a normal one-face frame keeps the same detector as enrolment.
 */
export async function detectFaces(
  input: Tensor3D,
  imageWidth: number,
  imageHeight: number,
  allowSsd: boolean,
  enrol: boolean,
): Promise<{ detections: Detection[]; detector: DetectorName }> {
  // Tiny sees a copy downscaled to its input size. Scaled down much more than 2×, faces of ~100 px
  // in a 640 px frame merge into one wrong box (measured: tiny-224 reported one face for a frame of
  // 5 people, tiny-320 found them), so the input is about half the image's long side, 224…416.
  // An ID photo is one large face even after padding, so enrolment starts at 224: measured on 300
  // generated ID photos, detection fell from 41 to 28 ms a photo and loading 2,500 from 123 to 106 s,
  // descriptors moved by 0.04 (median; the landmark refinement absorbs the box change), no more misses.
  const primary = enrol ? 224 : Math.min(416, Math.max(224, Math.round(Math.max(imageWidth, imageHeight) / 2 / 32) * 32));
  const order: DetectorName[] = [`tiny${primary}`, primary >= 320 ? 'tiny224' : 'tiny416'];
  let detector: DetectorName = order[0]!;
  let detections = await run(input, detector);
  if (detections.length === 0) {
    detector = order[1]!;
    detections = await run(input, detector);
  }
  if (allowSsd && (detections.length === 0 || (detections.length === 1 && detections[0]!.box.width < SMALL_FACE_SHARE * imageWidth))) {
    const ssd = await run(input, 'ssd');
    if (ssd.length > detections.length) {
      detections = ssd;
      detector = 'ssd';
    }
  }
  return { detections: suppressOverlaps(detections), detector };
}

/**
 * Drops a box that lies largely (> 30 % of its area) inside a higher-scoring box. Tiny's own NMS
 * works on IoU, which lets through a low-score box straddling two neighbouring faces in a group
 * photo (seen in face-api's sample6); its descriptor would describe half of two people.
 */
function suppressOverlaps(detections: Detection[]): Detection[] {
  const byScore = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of byScore) {
    const overlapped = kept.some((k) => {
      const w = Math.min(d.box.right, k.box.right) - Math.max(d.box.x, k.box.x);
      const h = Math.min(d.box.bottom, k.box.bottom) - Math.max(d.box.y, k.box.y);
      return w > 0 && h > 0 && (w * h) / d.box.area > 0.3;
    });
    if (!overlapped) kept.push(d);
  }
  return kept;
}

export async function landmarksIn(input: Tensor3D, box: { x: number; y: number; width: number; height: number }): Promise<Landmarks> {
  const [crop] = await faceapi.extractFaceTensors(input as never, [new faceapi.Rect(box.x, box.y, box.width, box.height)]);
  try {
    const raw = (await faceapi.nets.faceLandmark68Net.detectLandmarks(crop)) as Landmarks;
    return raw.shiftBy<Landmarks>(box.x, box.y);
  } finally {
    crop!.dispose();
  }
}

/**
 * 68 landmarks for a detected face, found twice: first in the detector's box, then in a square box
 * built from those landmarks. Tiny and SSD boxes differ in shape; the second pass makes the
 * alignment (and so the descriptor) depend less on which detector fired: on 42 real photos the
 * descriptor gap between the two detectors fell from 0.100 to 0.071 (median).
 */
export async function landmarksFor(input: Tensor3D, box: { x: number; y: number; width: number; height: number }): Promise<Landmarks> {
  const first = await landmarksIn(input, box);
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const p of first.positions) {
    x0 = Math.min(x0, p.x);
    x1 = Math.max(x1, p.x);
    y0 = Math.min(y0, p.y);
    y1 = Math.max(y1, p.y);
  }
  const side = Math.max(x1 - x0, y1 - y0) * 1.1;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2 - 0.05 * (y1 - y0);
  return landmarksIn(input, { x: cx - side / 2, y: cy - side / 2, width: side, height: side });
}
