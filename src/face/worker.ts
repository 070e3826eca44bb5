// Worker thread: tfjs on the WASM backend + face-api models; decode → detect → landmarks → descriptor.
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { createRequire } from 'node:module';
import { decodeImage, thumbnailJpeg } from './image.js';
import { faceModelDir, tfjsWasmDir } from '../paths.js';
import { AppError, isAppError } from '../errors.js';
import type { DescribeOptions, DescribeResult, DetectedFace, DetectorName, WorkerInit, WorkerRequest, WorkerResponse } from './types.js';

type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');
const require = createRequire(import.meta.url);
// The node-wasm bundle uses @tensorflow/tfjs + tfjs-backend-wasm (no native libtensorflow).
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
const tf = faceapi.tf as unknown as typeof import('@tensorflow/tfjs') & { setWasmPaths(prefix: string, usePlatformFetch?: boolean): void };

const init = workerData as WorkerInit;

/**
 * Longest side kept after decoding. Detectors resize to their own input (224–512 px) anyway; the
 * face crops for landmarks and the descriptor are cut from this image, so it must keep faces in a
 * group or classroom photo near the 150 px the recognition net wants.
 */
const MAX_SIDE = 2048;
/** A lone face narrower than this share of the frame gets a second opinion from SSD (group photos). */
const SMALL_FACE_SHARE = 0.2;
/** Tight ID crops get a 40 % grey border: measured SSD recall on 54 real crops went from 22 to 49. */
const ENROL_PAD = 0.4;

/*
 * Detector choice, measured on this 2-core machine, one thread, 640×480 checkpoint frame:
 * TinyFaceDetector 30 ms at inputSize 224, 55 ms at 320, 90 ms at 416; SSD MobileNet v1 ≈ 270 ms;
 * 68 landmarks 11 ms a pass; the 128-d descriptor 37 ms. On the 54 real tight crops of
 * ../shared/faces after 40 % padding a face was found by tiny-224 in 48, tiny-416 in 45, SSD in 49.
 * Tiny and SSD boxes give descriptors 0.10 apart (median), so enrolment and checkpoint run the same
 * cascade: tiny-224 (a face at the door or in an ID photo fills a good part of the frame), tiny-416
 * for smaller faces, and SSD only when both find nothing or a lone face is small enough that other
 * people may be in the frame. A normal frame costs ~30 ms of detection and recall stays SSD's.
 */
function detectorOptions(name: DetectorName): unknown {
  if (name === 'ssd') return new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 20 });
  return new faceapi.TinyFaceDetectorOptions({ inputSize: Number(name.slice(4)), scoreThreshold: 0.5 });
}

type Detection = import('@vladmandic/face-api').FaceDetection;

async function run(input: unknown, name: DetectorName): Promise<Detection[]> {
  return faceapi.detectAllFaces(input as never, detectorOptions(name) as never);
}

/**
 * Tiny first (224 or 416 by image size, then the other); SSD when tiny finds nothing, or finds a
 * single face small enough that other people may be in the frame (tiny misses small faces, and a
 * missed second face would hide a "multiple faces" frame). SSD's answer replaces tiny's only when
 * it finds more faces, so a normal one-face frame keeps the same detector as enrolment.
 */
function toTensor(image: { data: Buffer; width: number; height: number }) {
  return tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
}

async function detect(input: unknown, imageWidth: number, imageHeight: number, allowSsd: boolean, enrol: boolean): Promise<{ detections: Detection[]; detector: DetectorName }> {
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

async function setup(): Promise<void> {
  // One libvips thread per worker: the pool already has a worker per core; more threads only contend.
  sharp.concurrency(1);
  tf.setWasmPaths(tfjsWasmDir + '/', false);
  await tf.setBackend('wasm');
  await tf.ready();
  await faceapi.nets.tinyFaceDetector.loadFromDisk(faceModelDir);
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(faceModelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(faceModelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(faceModelDir);
}

type Landmarks = import('@vladmandic/face-api').FaceLandmarks68;

async function landmarksIn(input: unknown, box: { x: number; y: number; width: number; height: number }): Promise<Landmarks> {
  const [crop] = await faceapi.extractFaceTensors(input as never, [new faceapi.Rect(box.x, box.y, box.width, box.height)]);
  try {
    const raw = (await faceapi.nets.faceLandmark68Net.detectLandmarks(crop as never)) as Landmarks;
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
async function landmarksFor(input: unknown, box: { x: number; y: number; width: number; height: number }): Promise<Landmarks> {
  const first = await landmarksIn(input, box);
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const p of first.positions) {
    x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x);
    y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y);
  }
  const side = Math.max(x1 - x0, y1 - y0) * 1.1;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2 - 0.05 * (y1 - y0);
  return landmarksIn(input, { x: cx - side / 2, y: cy - side / 2, width: side, height: side });
}

async function describe(bytes: Uint8Array, options: DescribeOptions): Promise<DescribeResult> {
  // Enrolment photos are padded at once; a checkpoint frame only when nothing is found as it is
  // (a face filling the frame, the camera held close).
  const clock = { decode: 0, detect: 0 };
  const timed = async <T>(k: 'decode' | 'detect', f: () => Promise<T>): Promise<T> => {
    const a = performance.now();
    try {
      return await f();
    } finally {
      clock[k] += performance.now() - a;
    }
  };
  const pad = options.purpose === 'enrol' ? ENROL_PAD : 0;
  let decoded = await timed('decode', () => decodeImage(bytes, { maxPixels: init.maxPixels, maxSide: MAX_SIDE, padFraction: pad }));
  let input = toTensor(decoded.image);
  let found = await timed('detect', () => detect(input, decoded.image.width, decoded.image.height, true, pad > 0));
  if (found.detections.length === 0 && pad === 0) {
    input.dispose();
    decoded = await timed('decode', () => decodeImage(bytes, { maxPixels: init.maxPixels, maxSide: MAX_SIDE, padFraction: ENROL_PAD }));
    input = toTensor(decoded.image);
    found = await timed('detect', () => detect(input, decoded.image.width, decoded.image.height, false, true));
  }
  try {
    const { detections, detector } = found;
    detections.sort((a, b) => b.box.area - a.box.area);

    const toOriginal = (v: number) => (v - decoded.pad) / decoded.scale;
    const faces: DetectedFace[] = detections.map((d) => ({
      box: {
        x: toOriginal(d.box.x),
        y: toOriginal(d.box.y),
        width: d.box.width / decoded.scale,
        height: d.box.height / decoded.scale,
      },
      score: d.score,
      detector,
    }));

    let landmarksMs = 0;
    let descriptorMs = 0;
    const count = options.describe === 'all' ? detections.length : Math.min(1, detections.length);
    for (let i = 0; i < count; i++) {
      const det = detections[i]!;
      // face-api's withFaceLandmarks().withFaceDescriptors(), for the chosen faces only, plus one
      // refinement pass (see landmarksFor).
      const a = performance.now();
      const aligned = (await landmarksFor(input, det.box)).align(null, { useDlibAlignment: true });
      const b = performance.now();
      const [alignedCrop] = await faceapi.extractFaceTensors(input as never, [aligned]);
      const descriptor = (await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(alignedCrop as never)) as Float32Array;
      alignedCrop!.dispose();
      faces[i]!.descriptor = descriptor;
      landmarksMs += b - a;
      descriptorMs += performance.now() - b;
    }
    return {
      faces,
      ...(options.thumbnail ? { thumbnail: await thumbnailJpeg(bytes, init.maxPixels) } : {}),
      width: decoded.originalWidth,
      height: decoded.originalHeight,
      timings: { decode: clock.decode, detect: clock.detect, landmarks: landmarksMs, descriptor: descriptorMs },
    };
  } finally {
    input.dispose();
  }
}

const ready = setup();
const port = parentPort!;
port.on('message', (msg: WorkerRequest | { type: 'ping' }) => {
  if ('type' in msg) {
    ready.then(
      () => port.postMessage({ type: 'ready' }),
      (e: unknown) => port.postMessage({ type: 'failed', message: String((e as Error)?.message ?? e) }),
    );
    return;
  }
  void (async () => {
    let reply: WorkerResponse;
    try {
      await ready;
      const result = await describe(msg.bytes, msg.options);
      reply = { id: msg.id, ok: true, result, numTensors: tf.memory().numTensors };
    } catch (e) {
      const err = isAppError(e) ? e : new AppError('internal', undefined, String((e as Error)?.stack ?? e));
      reply = { id: msg.id, ok: false, code: err.code, message: err.message, ...(err.detail ? { detail: err.detail } : {}) };
    }
    const transfer = reply.ok ? reply.result.faces.flatMap((f) => (f.descriptor ? [f.descriptor.buffer as ArrayBuffer] : [])) : [];
    if (reply.ok && reply.result.thumbnail) {
      // A Buffer may share sharp's pool: send a copy that owns its memory.
      const own = new Uint8Array(reply.result.thumbnail);
      reply.result.thumbnail = own;
      transfer.push(own.buffer);
    }
    port.postMessage(reply, transfer);
  })();
});
