// Fitness of an enrolment photo: face size, sharpness, pose and exposure, measured on its landmarks and aligned chip.
import type { FacePoints, Point } from './align.js';

export interface FaceQuality {
  /** Detector box width, pixels of the photo. */
  faceWidth: number;
  /** Distance between the eye centres, pixels of the photo. */
  eyeDistance: number;
  /** Left–right asymmetry of the face around the nose (−1…1, 0 = frontal; ±0.3 ≈ a quarter turn). */
  yaw: number;
  /** Nose tip between the eye line (0) and the mouth line (1); a frontal face is near 0.5. */
  pitch: number;
  /** Variance of the Laplacian over the face, grey levels² (a blurred or upscaled face is low). */
  sharpness: number;
  /** Mean grey level over the face, 0–255. */
  brightness: number;
  /** Share of face pixels at black or white (clipped), 0–1. */
  clipped: number;
}

const centre = (pts: readonly Point[], from: number, to: number): Point => {
  let x = 0,
    y = 0;
  for (let i = from; i <= to; i++) {
    x += pts[i]!.x;
    y += pts[i]!.y;
  }
  return { x: x / (to - from + 1), y: y / (to - from + 1) };
};

/** Pose and eye distance from the 68 landmarks, measured along the eye line and across it (roll-free). */
export function landmarkPose(pts: readonly Point[]): { yaw: number; pitch: number; eyeDistance: number } {
  const le = centre(pts, 36, 41),
    re = centre(pts, 42, 47);
  const eyeDistance = Math.hypot(re.x - le.x, re.y - le.y);
  const ex = (re.x - le.x) / eyeDistance,
    ey = (re.y - le.y) / eyeDistance;
  const nose = pts[30]!;
  const along = (p: Point) => (p.x - nose.x) * ex + (p.y - nose.y) * ey;
  const across = (p: Point) => -(p.x - nose.x) * ey + (p.y - nose.y) * ex;
  const left = Math.abs(along(pts[1]!)),
    right = Math.abs(along(pts[15]!));
  const yaw = (left - right) / Math.max(1e-6, left + right);
  const eyeLine = across({ x: (le.x + re.x) / 2, y: (le.y + re.y) / 2 });
  const mouthLine = across({ x: (pts[48]!.x + pts[54]!.x) / 2, y: (pts[48]!.y + pts[54]!.y) / 2 });
  const pitch = (0 - eyeLine) / Math.max(1e-6, mouthLine - eyeLine);
  return { yaw, pitch, eyeDistance };
}

/**
 * Yaw from five points (YuNet): how far the nose sits off the middle of the eyes and of the mouth corners,
 * along the eye line, as a share of the half-distance; scaled by YAW5_SCALE onto the jaw-based measure
 * above so that one limit fits both (fitted on face-api's landmarks of real photos: see the README).
 */
export const YAW5_SCALE = 0.91;

export function fivePointPose(p: readonly Point[]): { yaw: number; pitch: number; eyeDistance: number } {
  const [le, re, nose, lm, rm] = p as [Point, Point, Point, Point, Point];
  const eyeDistance = Math.hypot(re.x - le.x, re.y - le.y);
  const ex = (re.x - le.x) / eyeDistance,
    ey = (re.y - le.y) / eyeDistance;
  const along = (q: Point) => (q.x - nose.x) * ex + (q.y - nose.y) * ey;
  const across = (q: Point) => -(q.x - nose.x) * ey + (q.y - nose.y) * ex;
  const side = (a: Point, b: Point) => {
    const l = Math.abs(along(a)),
      r = Math.abs(along(b));
    return (l - r) / Math.max(1e-6, l + r);
  };
  const yaw = Math.max(-1, Math.min(1, YAW5_SCALE * ((side(le, re) + side(lm, rm)) / 2)));
  const eyeLine = across({ x: (le.x + re.x) / 2, y: (le.y + re.y) / 2 });
  const mouthLine = across({ x: (lm.x + rm.x) / 2, y: (lm.y + rm.y) / 2 });
  const pitch = (0 - eyeLine) / Math.max(1e-6, mouthLine - eyeLine);
  return { yaw, pitch, eyeDistance };
}

/** Pose from all 68 landmarks when the finder gave them, else from the five points. */
export function facePose(face: FacePoints): { yaw: number; pitch: number; eyeDistance: number } {
  return face.landmarks68 ? landmarkPose(face.landmarks68) : fivePointPose(face.points5);
}

/** Sharpness and exposure over the inner 60 % of an aligned chip (the face, not the background). */
export function chipStats(chip: Uint8Array, size: number): { sharpness: number; brightness: number; clipped: number } {
  const grey = new Float32Array(size * size);
  for (let i = 0; i < grey.length; i++) grey[i] = 0.299 * chip[i * 3]! + 0.587 * chip[i * 3 + 1]! + 0.114 * chip[i * 3 + 2]!;
  const lo = Math.round(size * 0.2),
    hi = Math.round(size * 0.8);
  let n = 0,
    sum = 0,
    clipped = 0,
    lap = 0,
    lap2 = 0;
  for (let y = lo; y < hi; y++) {
    for (let x = lo; x < hi; x++) {
      const i = y * size + x;
      const v = grey[i]!;
      sum += v;
      if (v <= 8 || v >= 247) clipped++;
      const l = 4 * v - grey[i - 1]! - grey[i + 1]! - grey[i - size]! - grey[i + size]!;
      lap += l;
      lap2 += l * l;
      n++;
    }
  }
  const meanLap = lap / n;
  return { sharpness: lap2 / n - meanLap * meanLap, brightness: sum / n, clipped: clipped / n };
}

/**
 * Below these a detection is not a usable face at all, at the door or on an enrolment photo, whatever
 * ENROL_QUALITY says: measured on 6,462 CelebA detections, 0.5 % had eyes closer than 0.15 of the box
 * width (the detector boxed a body or background; the landmarks landed anywhere) or a chip with almost
 * no detail (sharpness < 5). Their descriptors cluster together, so one such enrolment photo drew
 * probes of many different people to itself in the calibration.
 */
export const USABLE = { minEyeToBox: 0.15, minSharpness: 5 } as const;

/** 'not_a_face' / 'blurry' when the descriptor of this detection must not be trusted. */
export function unusable(q: FaceQuality): 'not_a_face' | 'blurry' | undefined {
  if (q.eyeDistance < USABLE.minEyeToBox * q.faceWidth) return 'not_a_face';
  if (q.sharpness < USABLE.minSharpness) return 'blurry';
  return undefined;
}

/** Faces narrower than this (pixels of the photo) give descriptors too poor to enrol. */
export const MIN_ENROL_FACE_PX = 40;

/**
 * A second face at least this share of the largest one's width: the photo shows two people of similar
 * size, and which one is the student cannot be told from the photo. The largest was enrolled before;
 * in an independent test that enrolled the person standing cheek to cheek with the student (a few pixels
 * wider), who was then admitted as the student. Such a photo is not used.
 */
export const TWO_FACES_RATIO = 0.8;

export type QualityIssue = 'face_small' | 'blurry' | 'turned' | 'tilted' | 'dark' | 'overexposed' | 'several_faces';

export interface QualityLimits {
  /** Below this eye distance (pixels) the face is too small for a reliable descriptor. */
  minEyeDistance: number;
  minSharpness: number;
  maxYaw: number;
  /** Allowed pitch range (nose between eye line and mouth line). */
  pitchRange: [number, number];
  minBrightness: number;
  maxBrightness: number;
  maxClipped: number;
}

/** Where the gate starts to warn; see the README for how these were measured on real enrolment photos. */
export const DEFAULT_QUALITY_LIMITS: QualityLimits = {
  minEyeDistance: 28,
  minSharpness: 40,
  maxYaw: 0.45,
  pitchRange: [0.25, 0.8],
  minBrightness: 60,
  maxBrightness: 215,
  maxClipped: 0.25,
};

export interface QualityVerdict {
  issue: QualityIssue;
  /** Russian, for the load summary. */
  message: string;
}

/** The problems of one enrolment photo (none: fit to enrol). `otherFaces`: further faces as large as half of it. */
export function assessQuality(q: FaceQuality, otherFaces: number, limits: QualityLimits = DEFAULT_QUALITY_LIMITS): QualityVerdict[] {
  const out: QualityVerdict[] = [];
  if (q.eyeDistance < limits.minEyeDistance) out.push({ issue: 'face_small', message: `лицо слишком маленькое (${Math.round(q.faceWidth)} пикс.)` });
  if (q.sharpness < limits.minSharpness) out.push({ issue: 'blurry', message: 'фото размыто' });
  if (Math.abs(q.yaw) > limits.maxYaw) out.push({ issue: 'turned', message: 'голова повёрнута' });
  if (q.pitch < limits.pitchRange[0] || q.pitch > limits.pitchRange[1]) out.push({ issue: 'tilted', message: 'голова наклонена вверх или вниз' });
  if (q.brightness < limits.minBrightness) out.push({ issue: 'dark', message: 'фото слишком тёмное' });
  else if (q.brightness > limits.maxBrightness || q.clipped > limits.maxClipped) out.push({ issue: 'overexposed', message: 'фото пересвечено' });
  if (otherFaces > 0) out.push({ issue: 'several_faces', message: 'на фото несколько лиц' });
  return out;
}
