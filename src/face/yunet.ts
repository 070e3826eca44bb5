// YuNet (OpenCV Zoo, MIT): one pass of a 640×640 network gives every face's box and five points (eyes, nose, mouth corners).
import sharp from 'sharp';
import type { Point } from './align.js';
import type { RgbImage } from './image.js';
import { openSession, tensor, type OrtSession } from './onnx.js';

export interface YuNetFace {
  /** In the pixels of the image given to detect(). */
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** Image-left eye, image-right eye, nose tip, image-left and image-right mouth corner. */
  points: Point[];
}

/** The network's fixed input side (the 2023mar export declares 1×3×640×640). */
const SIDE = 640;
const STRIDES = [8, 16, 32] as const;
/** Boxes overlapping a better one by more than this IoU are the same face (OpenCV's FaceDetectorYN default). */
const NMS_IOU = 0.3;

/**
 * Scores, measured on 908 CelebA photos (one main face each, often people behind): the main face scored
 * ≥ 0.9 in 873, ≥ 0.6 in 900; of the further detections at least half as wide as the main face, those at
 * 0.90–0.95 were all real faces, those at 0.32–0.77 were not (hands, hair, a poster, a painting's edge),
 * and 0.80–0.86 held both (blurred faces behind, a necklace). Real faces looking down at a phone (face-api's
 * demo sample 2) score 0.86–0.87. A second person must not go unseen at the door, so a face counts from
 * 0.8; below it, down to MIN, a detection is taken only when it is the one thing found (a hard but real
 * face), never as a second person.
 */
export const YUNET_MIN_SCORE = 0.6;
export const YUNET_CONFIDENT_SCORE = 0.8;

export class YuNet {
  private constructor(
    private readonly session: OrtSession,
    private readonly input: Float32Array,
  ) {}

  static async open(file: string): Promise<YuNet> {
    return new YuNet(await openSession(file), new Float32Array(3 * SIDE * SIDE));
  }

  /**
   * Faces in `image`, best score first: those scoring YUNET_CONFIDENT_SCORE, or else the best one above
   * `minScore`. The image is scaled to fit 640×640 (never enlarged) and placed in
   * the top-left corner on black, as OpenCV's FaceDetectorYN pads its input; faces of about 10–300 px
   * at that scale are found.
   */
  async detect(image: RgbImage, minScore = YUNET_MIN_SCORE): Promise<YuNetFace[]> {
    const scale = Math.min(1, SIDE / Math.max(image.width, image.height));
    let pixels: Uint8Array = image.data;
    let w = image.width,
      h = image.height;
    if (scale < 1) {
      w = Math.max(1, Math.round(image.width * scale));
      h = Math.max(1, Math.round(image.height * scale));
      pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
        .resize(w, h, { fit: 'fill' })
        .raw()
        .toBuffer();
    }
    // BGR planes, raw 0–255 (the network normalises inside).
    const x = this.input;
    x.fill(0);
    const plane = SIDE * SIDE;
    for (let yy = 0; yy < h; yy++) {
      for (let xx = 0, p = yy * w * 3, i = yy * SIDE; xx < w; xx++, p += 3, i++) {
        x[i] = pixels[p + 2]!;
        x[plane + i] = pixels[p + 1]!;
        x[2 * plane + i] = pixels[p]!;
      }
    }
    const out = await this.session.run({ input: tensor(x, [1, 3, SIDE, SIDE]) });
    const found: YuNetFace[] = [];
    for (const s of STRIDES) {
      const cls = out[`cls_${s}`]!.data,
        obj = out[`obj_${s}`]!.data,
        bbox = out[`bbox_${s}`]!.data,
        kps = out[`kps_${s}`]!.data;
      const cols = SIDE / s;
      for (let idx = 0; idx < cls.length; idx++) {
        const score = Math.sqrt(clamp01(cls[idx]!) * clamp01(obj[idx]!));
        if (!(score >= minScore)) continue;
        const c = idx % cols,
          r = (idx - c) / cols;
        const cx = (c + bbox[idx * 4]!) * s,
          cy = (r + bbox[idx * 4 + 1]!) * s;
        const bw = Math.exp(bbox[idx * 4 + 2]!) * s,
          bh = Math.exp(bbox[idx * 4 + 3]!) * s;
        const points: Point[] = [];
        for (let n = 0; n < 5; n++) points.push({ x: ((kps[idx * 10 + 2 * n]! + c) * s) / scale, y: ((kps[idx * 10 + 2 * n + 1]! + r) * s) / scale });
        found.push({ box: { x: (cx - bw / 2) / scale, y: (cy - bh / 2) / scale, width: bw / scale, height: bh / scale }, score, points });
      }
    }
    const kept = nms(found);
    const confident = kept.filter((f) => f.score >= YUNET_CONFIDENT_SCORE);
    return confident.length > 0 ? confident : kept.slice(0, 1);
  }
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

function iou(a: YuNetFace['box'], b: YuNetFace['box']): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** Greedy non-maximum suppression, best score first. */
function nms(faces: YuNetFace[]): YuNetFace[] {
  faces.sort((a, b) => b.score - a.score);
  const kept: YuNetFace[] = [];
  for (const f of faces) if (!kept.some((k) => iou(k.box, f.box) > NMS_IOU)) kept.push(f);
  return kept;
}
