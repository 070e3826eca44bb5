// Face alignment: a least-squares similarity transform from landmarks onto a model's template, and the warped chip.
import type { RgbImage } from './image.js';

export interface Point {
  x: number;
  y: number;
}

/** (u, v) ↦ (a·u − b·v + tx, b·u + a·v + ty): rotation, uniform scale and shift, never a reflection. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** Where a model wants the face: landmark positions in a `size`×`size` chip. */
export interface ChipTemplate {
  size: number;
  points: Point[];
}

/**
 * The least-squares similarity that carries `from[i]` onto `to[i]` (Umeyama's method in 2-D; the
 * (a, b) form has no reflection to exclude).
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  if (from.length !== to.length || from.length < 2) throw new Error('fitSimilarity needs two equal lists of at least 2 points');
  const n = from.length;
  let fx = 0,
    fy = 0,
    gx = 0,
    gy = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]!.x;
    fy += from[i]!.y;
    gx += to[i]!.x;
    gy += to[i]!.y;
  }
  fx /= n;
  fy /= n;
  gx /= n;
  gy /= n;
  let dot = 0,
    cross = 0,
    norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i]!.x - fx,
      py = from[i]!.y - fy;
    const qx = to[i]!.x - gx,
      qy = to[i]!.y - gy;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) throw new Error('fitSimilarity: all source points coincide');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: gx - (a * fx - b * fy), ty: gy - (b * fx + a * fy) };
}

/** Image pixels per chip pixel. */
export function similarityScale(t: Similarity): number {
  return Math.hypot(t.a, t.b);
}

/**
 * Cuts the `size`×`size` chip that `chipToImage` maps into `image`, bilinear, RGB bytes. When the face
 * is larger in the image than in the chip, each chip pixel averages k×k samples (k = the scale,
 * at most 4), so a big ID-photo face is not aliased the way a plain bilinear shrink would.
 * Pixels outside the image are mid-grey, like the border the detector saw.
 */
export function warpChip(image: RgbImage, chipToImage: Similarity, size: number): Uint8Array {
  const { data, width, height } = image;
  const out = new Uint8Array(size * size * 3);
  const { a, b, tx, ty } = chipToImage;
  const k = Math.max(1, Math.min(4, Math.round(similarityScale(chipToImage))));
  const inv = 1 / (k * k);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let r = 0,
        g = 0,
        bl = 0;
      for (let sv = 0; sv < k; sv++) {
        const cv = v + (sv + 0.5) / k - 0.5;
        for (let su = 0; su < k; su++) {
          const cu = u + (su + 0.5) / k - 0.5;
          const x = a * cu - b * cv + tx,
            y = b * cu + a * cv + ty;
          const x0 = Math.floor(x),
            y0 = Math.floor(y);
          const fx = x - x0,
            fy = y - y0;
          const w00 = (1 - fx) * (1 - fy),
            w10 = fx * (1 - fy),
            w01 = (1 - fx) * fy,
            w11 = fx * fy;
          const inside = x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height;
          if (inside) {
            const p = (y0 * width + x0) * 3,
              q = p + width * 3;
            r += data[p]! * w00 + data[p + 3]! * w10 + data[q]! * w01 + data[q + 3]! * w11;
            g += data[p + 1]! * w00 + data[p + 4]! * w10 + data[q + 1]! * w01 + data[q + 4]! * w11;
            bl += data[p + 2]! * w00 + data[p + 5]! * w10 + data[q + 2]! * w01 + data[q + 5]! * w11;
          } else {
            // At or beyond the edge: each of the four neighbours is a pixel or, outside, mid-grey.
            const px = (xx: number, yy: number, c: number) => (xx < 0 || yy < 0 || xx >= width || yy >= height ? 128 : data[(yy * width + xx) * 3 + c]!);
            r += px(x0, y0, 0) * w00 + px(x0 + 1, y0, 0) * w10 + px(x0, y0 + 1, 0) * w01 + px(x0 + 1, y0 + 1, 0) * w11;
            g += px(x0, y0, 1) * w00 + px(x0 + 1, y0, 1) * w10 + px(x0, y0 + 1, 1) * w01 + px(x0 + 1, y0 + 1, 1) * w11;
            bl += px(x0, y0, 2) * w00 + px(x0 + 1, y0, 2) * w10 + px(x0, y0 + 1, 2) * w01 + px(x0 + 1, y0 + 1, 2) * w11;
          }
        }
      }
      const o = (v * size + u) * 3;
      out[o] = Math.round(r * inv);
      out[o + 1] = Math.round(g * inv);
      out[o + 2] = Math.round(bl * inv);
    }
  }
  return out;
}

/** The chip mirrored left↔right (test-time augmentation). */
export function mirrorChip(chip: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(chip.length);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const s = (v * size + u) * 3,
        d = (v * size + (size - 1 - u)) * 3;
      out[d] = chip[s]!;
      out[d + 1] = chip[s + 1]!;
      out[d + 2] = chip[s + 2]!;
    }
  }
  return out;
}

/**
 * dlib's mean face (points 17–67 of the 68-point layout, in the unit square), which dlib's
 * `get_face_chip_details` maps onto a 150 px chip with 25 % padding: the layout dlib's ResNet face
 * descriptor (face-api's FaceRecognitionNet) was trained on. dlib uses the nose, eyes and the outer
 * and upper inner lip, not the eyebrows or the lower lip (those move with expression).
 */
const DLIB_MEAN_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688,
  0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335,
  0.254149, 0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127,
  0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const DLIB_MEAN_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
  0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077,
  0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746,
  0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];

/** 68-point indices dlib aligns on: 27–54 and 60–64. */
export const DLIB_ALIGN_POINTS: readonly number[] = [...range(27, 54), ...range(60, 64)];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** dlib's 150 px chip with 25 % padding, for the points of DLIB_ALIGN_POINTS. */
export function dlibTemplate(size = 150, padding = 0.25): ChipTemplate {
  const place = (m: number) => ((padding + m) / (2 * padding + 1)) * size;
  return { size, points: DLIB_ALIGN_POINTS.map((i) => ({ x: place(DLIB_MEAN_X[i - 17]!), y: place(DLIB_MEAN_Y[i - 17]!) })) };
}

/** The ArcFace / InsightFace 112 px template: eye centres, nose tip, mouth corners (image left first). */
export const ARCFACE_TEMPLATE: ChipTemplate = {
  size: 112,
  points: [
    { x: 38.2946, y: 51.6963 },
    { x: 73.5318, y: 51.5014 },
    { x: 56.0252, y: 71.7366 },
    { x: 41.5493, y: 92.3655 },
    { x: 70.7299, y: 92.2041 },
  ],
};

/**
 * Intel's template for face-reidentification-retail-0095 (its model card; normalised coordinates of a
 * 128×128 chip): eye centres, nose tip, mouth corners, image left first. Not ArcFace's: the face sits
 * lower and larger in the chip.
 */
export const INTEL_TEMPLATE: ChipTemplate = {
  size: 128,
  points: [
    [0.31556875, 0.46157411],
    [0.68262292, 0.46157411],
    [0.5002625, 0.64050536],
    [0.34947188, 0.82469196],
    [0.65343646, 0.82469196],
  ].map(([x, y]) => ({ x: x! * 128, y: y! * 128 })),
};

const mean = (pts: readonly Point[], from: number, to: number): Point => {
  let x = 0,
    y = 0;
  for (let i = from; i <= to; i++) {
    x += pts[i]!.x;
    y += pts[i]!.y;
  }
  const n = to - from + 1;
  return { x: x / n, y: y / n };
};

/** The five points from 68 landmarks: eye centres (36–41, 42–47), nose tip (30), mouth corners (48, 54). */
export function fivePointsFrom68(pts: readonly Point[]): Point[] {
  return [mean(pts, 36, 41), mean(pts, 42, 47), pts[30]!, pts[48]!, pts[54]!];
}

/** dlib's 150 px chip located by five points only (YuNet's): the same framing, for the quality measures. */
function dlibFivePointTemplate(size = 150, padding = 0.25): ChipTemplate {
  const place = (m: number) => ((padding + m) / (2 * padding + 1)) * size;
  const meanFace = Array.from({ length: 68 }, (_, i) => (i < 17 ? { x: 0, y: 0 } : { x: place(DLIB_MEAN_X[i - 17]!), y: place(DLIB_MEAN_Y[i - 17]!) }));
  return { size, points: fivePointsFrom68(meanFace) };
}

/** Which template a model's descriptor wants: dlib's 150 px (face-api), ArcFace's 112 px or Intel's 128 px. */
export type ChipName = 'dlib' | 'arcface' | 'intel';

/** Where a face's alignment points came from: five (YuNet, or derived from 68) and, with face-api, all 68. */
export interface FacePoints {
  points5: readonly Point[];
  landmarks68?: readonly Point[];
}

/**
 * The chip for a model: the face's points fitted onto the template, then warped. dlib's chip uses its
 * 33 stable landmarks when the 68 are known, else the five points onto dlib's mean face.
 */
export function alignedChip(image: RgbImage, face: FacePoints, chip: ChipName, size?: number): { chip: Uint8Array; size: number; scale: number } {
  let template: ChipTemplate;
  let src: readonly Point[];
  if (chip === 'dlib' && face.landmarks68) {
    template = dlibTemplate(size);
    src = DLIB_ALIGN_POINTS.map((i) => face.landmarks68![i]!);
  } else {
    template = chip === 'dlib' ? dlibFivePointTemplate(size) : chip === 'intel' ? INTEL_TEMPLATE : ARCFACE_TEMPLATE;
    src = face.points5;
  }
  const t = fitSimilarity(template.points, src);
  return { chip: warpChip(image, t, template.size), size: template.size, scale: similarityScale(t) };
}
