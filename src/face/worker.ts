// Worker thread: tfjs on the WASM backend + face-api models; decode → detect → landmarks → descriptor.
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { decodeImage, thumbnailJpeg } from './image.js';

import { detectFaces, faceapi, landmarksFor, setupFaceApi, tf, toTensor } from './detect.js';
import { AppError, isAppError } from '../errors.js';
import type { DescribeOptions, DescribeResult, DetectedFace, WorkerInit, WorkerRequest, WorkerResponse } from './types.js';

const init = workerData as WorkerInit;

/**
 * Longest side kept after decoding. Detectors resize to their own input (224–512 px) anyway; the
 * face crops for landmarks and the descriptor are cut from this image, so it must keep faces in a
 * group or classroom photo near the 150 px the recognition net wants.
 */
const MAX_SIDE = 2048;
/** Tight ID crops get a 40 % grey border: measured SSD recall on 54 real crops went from 22 to 49. */
const ENROL_PAD = 0.4;

async function setup(): Promise<void> {
  // One libvips thread per worker: the pool already has a worker per core; more threads only contend.
  sharp.concurrency(1);
  await setupFaceApi(true);
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
  let found = await timed('detect', () => detectFaces(input, decoded.image.width, decoded.image.height, true, pad > 0));
  if (found.detections.length === 0 && pad === 0) {
    input.dispose();
    decoded = await timed('decode', () => decodeImage(bytes, { maxPixels: init.maxPixels, maxSide: MAX_SIDE, padFraction: ENROL_PAD }));
    input = toTensor(decoded.image);
    found = await timed('detect', () => detectFaces(input, decoded.image.width, decoded.image.height, false, true));
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
