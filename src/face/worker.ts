// Worker thread: tfjs on the WASM backend + face-api models; decode → detect → landmarks → descriptor.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { decodeImage } from './image.js';
import { faceModelDir, tfjsWasmDir } from '../paths.js';
import { AppError, isAppError } from '../errors.js';
import type { DescribeOptions, DescribeResult, DetectedFace, DetectorName, WorkerInit, WorkerRequest, WorkerResponse } from './types.js';

type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');
const require = createRequire(import.meta.url);
// The node-wasm bundle uses @tensorflow/tfjs + tfjs-backend-wasm (no native libtensorflow).
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
const tf = faceapi.tf as unknown as typeof import('@tensorflow/tfjs') & { setWasmPaths(prefix: string, usePlatformFetch?: boolean): void };

const init = workerData as WorkerInit;

/** Longest side the photo is reduced to before detection; the recognition net sees faces at 150 px. */
const MAX_SIDE = 1024;
/** Tight ID crops get a 40 % grey border: measured SSD recall on 54 real crops went from 22 to 49. */
const ENROL_PAD = 0.4;

/*
 * Detector choice. Measured on this 2-core machine, one thread, 640×427 frame: TinyFaceDetector
 * ≈ 65 ms (inputSize 416) / ≈ 40 ms (224), SSD MobileNet v1 ≈ 270 ms. On the 54 real tight crops of
 * ../shared/faces after 40 % padding, face found by tiny-224: 48, tiny-416: 45, SSD: 49; tiny and
 * SSD boxes give descriptors 0.10 apart (median), so enrolment and checkpoint must use the same
 * cascade. The cascade below runs the cheap detector first and only pays for SSD when both tiny
 * passes find nothing, so a normal checkpoint frame costs ~65 ms of detection and recall stays SSD's.
 */
const cascade: { name: DetectorName; options: () => unknown }[] = [
  { name: 'tiny416', options: () => new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }) },
  { name: 'tiny224', options: () => new faceapi.TinyFaceDetectorOptions({ inputSize: 224, scoreThreshold: 0.5 }) },
  { name: 'ssd', options: () => new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 20 }) },
];

async function setup(): Promise<void> {
  tf.setWasmPaths(tfjsWasmDir + '/', false);
  await tf.setBackend('wasm');
  await tf.ready();
  await faceapi.nets.tinyFaceDetector.loadFromDisk(faceModelDir);
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(faceModelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(faceModelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(faceModelDir);
}

async function describe(bytes: Uint8Array, options: DescribeOptions): Promise<DescribeResult> {
  const t0 = performance.now();
  const decoded = await decodeImage(bytes, {
    maxPixels: init.maxPixels,
    maxSide: MAX_SIDE,
    padFraction: options.purpose === 'enrol' ? ENROL_PAD : 0,
  });
  const { image } = decoded;
  const t1 = performance.now();
  const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  try {
    let detections: import('@vladmandic/face-api').FaceDetection[] = [];
    let detector: DetectorName = 'ssd';
    for (const step of cascade) {
      detections = await faceapi.detectAllFaces(input as never, step.options() as never);
      detector = step.name;
      if (detections.length > 0) break;
    }
    detections.sort((a, b) => b.box.area - a.box.area);
    const t2 = performance.now();

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
      // Same steps as face-api's withFaceLandmarks().withFaceDescriptors(), for the chosen faces only.
      const a = performance.now();
      const [crop] = await faceapi.extractFaceTensors(input as never, [det]);
      const raw = (await faceapi.nets.faceLandmark68Net.detectLandmarks(crop as never)) as import('@vladmandic/face-api').FaceLandmarks68;
      crop!.dispose();
      const aligned = raw.shiftBy<import('@vladmandic/face-api').FaceLandmarks68>(det.box.x, det.box.y).align(null, { useDlibAlignment: true });
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
      width: decoded.originalWidth,
      height: decoded.originalHeight,
      timings: { decode: t1 - t0, detect: t2 - t1, landmarks: landmarksMs, descriptor: descriptorMs },
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
    port.postMessage(reply, transfer);
  })();
});
