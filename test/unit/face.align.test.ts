// Alignment: the least-squares similarity, the warped chip, and the templates the descriptors were trained on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARCFACE_TEMPLATE,
  alignedChip,
  dlibTemplate,
  DLIB_ALIGN_POINTS,
  fitSimilarity,
  fivePointsFrom68,
  mirrorChip,
  similarityScale,
  warpChip,
  type Point,
} from '../../src/face/align.js';

const apply = (t: { a: number; b: number; tx: number; ty: number }, p: Point): Point => ({ x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty });

test('fitSimilarity recovers a rotation, scale and shift exactly, and is least-squares under noise', () => {
  const truth = { a: 2.5 * Math.cos(0.3), b: 2.5 * Math.sin(0.3), tx: 40, ty: -12 };
  const from = dlibTemplate().points;
  const to = from.map((p) => apply(truth, p));
  const t = fitSimilarity(from, to);
  for (const k of ['a', 'b', 'tx', 'ty'] as const) assert.ok(Math.abs(t[k] - truth[k]) < 1e-9, `${k}: ${t[k]} vs ${truth[k]}`);
  assert.ok(Math.abs(similarityScale(t) - 2.5) < 1e-9);
  // Symmetric noise on a pair of points cancels out: the fit stays on the truth.
  const noisy = to.map((p, i) => ({ x: p.x + (i % 2 ? 0.5 : -0.5), y: p.y }));
  const t2 = fitSimilarity(from, noisy);
  assert.ok(Math.abs(similarityScale(t2) - 2.5) < 0.01);
  assert.throws(() => fitSimilarity([{ x: 1, y: 1 }], [{ x: 1, y: 1 }]));
  assert.throws(() =>
    fitSimilarity(
      [
        { x: 1, y: 1 },
        { x: 1, y: 1 },
      ],
      [
        { x: 0, y: 0 },
        { x: 1, y: 0 },
      ],
    ),
  );
});

test('dlib template: 33 points (nose, eyes, outer and upper inner lip) inside the 150 px chip, eyes level', () => {
  const t = dlibTemplate();
  assert.equal(t.size, 150);
  assert.equal(t.points.length, DLIB_ALIGN_POINTS.length);
  assert.equal(DLIB_ALIGN_POINTS.length, 33);
  for (const p of t.points) assert.ok(p.x > 0 && p.x < 150 && p.y > 0 && p.y < 150);
  const eye = (i: number) => t.points[DLIB_ALIGN_POINTS.indexOf(i)]!;
  assert.ok(Math.abs(eye(36).y - eye(45).y) < 1e-9, 'outer eye corners level');
  assert.ok(Math.abs(eye(36).x + eye(45).x - 150) < 2, 'face centred');
});

test('a tilted face is warped upright: the chip of a rotated image equals the chip of the upright one', () => {
  // A synthetic "face": landmarks of the template, drawn as bright dots into an image rotated by 25°.
  const size = 300;
  const truth = { a: 1.6 * Math.cos(0.44), b: 1.6 * Math.sin(0.44), tx: 90, ty: 20 };
  const lm68: Point[] = Array.from({ length: 68 }, () => ({ x: 0, y: 0 }));
  const t = dlibTemplate();
  DLIB_ALIGN_POINTS.forEach((i, k) => (lm68[i] = apply(truth, t.points[k]!)));
  const data = Buffer.alloc(size * size * 3, 40);
  for (const p of DLIB_ALIGN_POINTS.map((i) => lm68[i]!)) {
    for (let dy = -2; dy <= 2; dy++)
      for (let dx = -2; dx <= 2; dx++)
        data.fill(250, ((Math.round(p.y) + dy) * size + Math.round(p.x) + dx) * 3, ((Math.round(p.y) + dy) * size + Math.round(p.x) + dx) * 3 + 3);
  }
  const { chip, size: s, scale } = alignedChip({ data, width: size, height: size }, { landmarks68: lm68, points5: fivePointsFrom68(lm68) }, 'dlib');
  assert.equal(s, 150);
  assert.ok(Math.abs(scale - 1.6) < 1e-6);
  // Every template point lands on a bright dot in the chip.
  for (const p of t.points) assert.ok(chip[(Math.round(p.y) * 150 + Math.round(p.x)) * 3]! > 150, `dot at ${p.x.toFixed(0)},${p.y.toFixed(0)}`);
  assert.ok(chip[(5 * 150 + 5) * 3]! < 100, 'background stays dark');
});

test('outside the image the chip is mid-grey; mirroring swaps left and right; five ArcFace points from 68', () => {
  const img = { data: Buffer.alloc(10 * 10 * 3, 200), width: 10, height: 10 };
  const chip = warpChip(img, { a: 1, b: 0, tx: -50, ty: -50 }, 20);
  assert.equal(chip[0], 128);
  const half = new Uint8Array(4 * 4 * 3);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 2; x++) half.fill(255, (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
  const m = mirrorChip(half, 4);
  assert.equal(m[0], 0);
  assert.equal(m[3 * 3], 255);
  const lm = Array.from({ length: 68 }, (_, i) => ({ x: i, y: 2 * i }));
  const five = fivePointsFrom68(lm);
  assert.deepEqual(five[0], { x: 38.5, y: 77 });
  assert.deepEqual(five[2], { x: 30, y: 60 });
  assert.equal(ARCFACE_TEMPLATE.points.length, 5);
});
