// Worker thread: decode → find faces and their points (YuNet, or face-api's cascade + 68 landmarks) → aligned chip →
// the model's descriptor → quality measures.
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { decodeImage, sourceForStorage, thumbnailJpeg, type RgbImage } from './image.js';
import { describeFace, openDescriptorNet, type DescriptorNet } from './descriptor.js';
import { alignedChip, type FacePoints } from './align.js';
import { chipStats, facePose, type FaceQuality } from './quality.js';
import type { FaceFinder } from './finder.js';
import { AppError, isAppError } from '../errors.js';
import type { DescribeOptions, DescribeResult, DetectedFace, WorkerInit, WorkerRequest, WorkerResponse } from './types.js';

const init = workerData as WorkerInit;

/**
 * Longest side kept after decoding. Detectors resize to their own input (224–512 px) anyway; the
 * face crops for landmarks and the descriptor are cut from this image, so it must keep faces in a
 * group or classroom photo near the 150 px the recognition net wants.
 */
const MAX_SIDE = 2048;
/**
 * A checkpoint frame's padded retry is held to MAX_SIDE, border included: the detector's tensors live in
 * WASM memory, which never shrinks, so the largest image a worker ever sees sets its memory for good
 * (a 2048 px frame padded to 3686 px took ~300 MB a worker).
 */
const paddedSide = (side: number, pad: number) => Math.floor(side / (1 + 2 * pad));
/** Tight ID crops get a 40 % grey border: measured SSD recall on 54 real crops went from 22 to 49. */
const ENROL_PAD = 0.4;

let net: DescriptorNet;
let finder: FaceFinder;

async function setup(): Promise<void> {
  // One libvips thread per worker: the pool already has a worker per core; more threads only contend.
  sharp.concurrency(1);
  // Only the finder the model needs is loaded: a YuNet model never starts tfjs.
  if (init.model.points !== 'faceapi68') {
    const { openYuNetFinder } = await import('./finder-yunet.js');
    finder = await openYuNetFinder(init.model.detector!, init.model.points === 'yunet68');
  } else {
    const { openFaceApiFinder } = await import('./finder-faceapi.js');
    finder = await openFaceApiFinder(init.model.kind === 'faceapi');
  }
  net = await openDescriptorNet(init.model);
}

/** Fitness of a described face (face/quality.ts), always on dlib's 150 px chip so one set of limits fits every model. */
function measureQuality(image: RgbImage, face: FacePoints, boxWidth: number, scale: number, chip?: { chip: Uint8Array; size: number }): FaceQuality {
  const pose = facePose(face);
  const c = chip ?? alignedChip(image, face, 'dlib');
  return { faceWidth: boxWidth, eyeDistance: pose.eyeDistance / scale, yaw: pose.yaw, pitch: pose.pitch, ...chipStats(c.chip, c.size) };
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
  // Enrolment keeps MAX_SIDE (its calibration); a checkpoint frame's padded retry stays within MAX_SIDE.
  const enrol = options.purpose === 'enrol';
  const side = (p: number) => (enrol || p === 0 ? MAX_SIDE : paddedSide(MAX_SIDE, p));
  let decoded = await timed('decode', () => decodeImage(bytes, { maxPixels: init.maxPixels, maxSide: side(pad), padFraction: pad }));
  let found = await timed('detect', () => finder.find(decoded.image, { enrol, retry: false }));
  if (found.faces.length === 0 && pad === 0) {
    found.dispose();
    decoded = await timed('decode', () => decodeImage(bytes, { maxPixels: init.maxPixels, maxSide: side(ENROL_PAD), padFraction: ENROL_PAD }));
    found = await timed('detect', () => finder.find(decoded.image, { enrol, retry: true }));
  }
  try {
    const { detector } = found;
    const order = found.faces.map((_, i) => i).sort((a, b) => area(found.faces[b]!.box) - area(found.faces[a]!.box));

    const toOriginal = (v: number) => (v - decoded.pad) / decoded.scale;
    const faces: DetectedFace[] = order.map((i) => {
      const d = found.faces[i]!;
      return {
        box: { x: toOriginal(d.box.x), y: toOriginal(d.box.y), width: d.box.width / decoded.scale, height: d.box.height / decoded.scale },
        score: d.score,
        detector,
      };
    });

    let landmarksMs = 0;
    let descriptorMs = 0;
    const count = options.describe === 'all' ? faces.length : Math.min(1, faces.length);
    for (let k = 0; k < count; k++) {
      const a = performance.now();
      const points = await found.points(order[k]!);
      const b = performance.now();
      const described = await describeFace(net, init.model, decoded.image, points, options.purpose);
      faces[k]!.descriptor = described.descriptor;
      faces[k]!.quality = measureQuality(decoded.image, points, faces[k]!.box.width, decoded.scale, init.model.chip === 'dlib' ? described : undefined);
      landmarksMs += b - a;
      descriptorMs += performance.now() - b;
    }
    const source = options.thumbnail ? await sourceForStorage(bytes, init.maxPixels) : undefined;
    return {
      faces,
      ...(options.thumbnail ? { thumbnail: await thumbnailJpeg(bytes, init.maxPixels) } : {}),
      ...(source ? { source } : {}),
      width: decoded.originalWidth,
      height: decoded.originalHeight,
      timings: { decode: clock.decode, detect: clock.detect, landmarks: landmarksMs, descriptor: descriptorMs },
    };
  } finally {
    found.dispose();
  }
}

const area = (b: { width: number; height: number }) => b.width * b.height;

const ready = setup();
const port = parentPort!;
port.on('message', (msg: WorkerRequest | { type: 'ping' }) => {
  if ('type' in msg) {
    ready.then(
      () => port.postMessage({ type: 'ready', dim: net.dim }),
      (e: unknown) => port.postMessage({ type: 'failed', message: String((e as Error)?.message ?? e) }),
    );
    return;
  }
  void (async () => {
    let reply: WorkerResponse;
    try {
      await ready;
      const result = await describe(msg.bytes, msg.options);
      reply = { id: msg.id, ok: true, result, numTensors: finder.numTensors() };
    } catch (e) {
      const err = isAppError(e) ? e : new AppError('internal', undefined, String((e as Error)?.stack ?? e));
      reply = { id: msg.id, ok: false, code: err.code, message: err.message, ...(err.detail ? { detail: err.detail } : {}) };
    }
    const transfer = reply.ok ? reply.result.faces.flatMap((f) => (f.descriptor ? [f.descriptor.buffer as ArrayBuffer] : [])) : [];
    if (reply.ok) {
      // A Buffer may share sharp's pool: send copies that own their memory.
      for (const k of ['thumbnail', 'source'] as const) {
        const b = reply.result[k];
        if (!b) continue;
        const own = new Uint8Array(b);
        reply.result[k] = own;
        transfer.push(own.buffer);
      }
    }
    port.postMessage(reply, transfer);
  })();
});
