// Image bytes → RGB pixels with sharp: format check, pixel cap, EXIF rotation, downscale, optional padding.
import sharp from 'sharp';
import { AppError } from '../errors.js';

export interface RgbImage {
  /** Interleaved RGB, 3 bytes per pixel. */
  data: Buffer;
  width: number;
  height: number;
}

export interface DecodedImage {
  image: RgbImage;
  /** Size of the photo as the user sees it (after EXIF rotation), before any resize. */
  originalWidth: number;
  originalHeight: number;
  /** original pixel = (decoded pixel - pad) / scale */
  scale: number;
  pad: number;
}

export interface DecodeOptions {
  maxPixels: number;
  /** Longest side after downscaling; faces need no more than ~150 px for the 128-d descriptor. */
  maxSide: number;
  /** Grey border, as a fraction of the longest side, added on every side (tight ID crops need it). */
  padFraction?: number;
}

const accepted = new Set(['jpeg', 'png', 'webp']);

/** Cheap signature check before handing bytes to libvips: JPEG, PNG or WebP only (no SVG, no HTML). */
export function sniffImageType(bytes: Uint8Array): 'jpeg' | 'png' | 'webp' | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') return 'webp';
  return undefined;
}

/** Below this on either side no face can be described: refused before any detector runs. */
export const MIN_IMAGE_SIDE = 48;

/**
 * The image's header only (format, size): no pixels are decoded. Refuses what is not a JPEG/PNG/WebP,
 * has more than `maxPixels` pixels or is smaller than MIN_IMAGE_SIDE — cheaply, before a detector job.
 */
export async function readImageHeader(bytes: Uint8Array, maxPixels: number): Promise<sharp.Metadata & { width: number; height: number }> {
  if (bytes.length === 0) throw new AppError('bad_image', 'Пустой файл: изображение не получено');
  if (!sniffImageType(bytes)) throw new AppError('bad_image', undefined, 'not a JPEG/PNG/WebP signature');
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).metadata();
  } catch (e) {
    throw decodeError(e);
  }
  if (!meta.format || !accepted.has(meta.format) || !meta.width || !meta.height) {
    throw new AppError('bad_image', undefined, `format ${meta.format ?? 'unknown'}`);
  }
  if (meta.width * meta.height > maxPixels) {
    throw new AppError('image_too_large', `Изображение слишком большое: ${meta.width}×${meta.height} пикселей`);
  }
  if (Math.min(meta.width, meta.height) < MIN_IMAGE_SIDE) {
    throw new AppError(
      'image_too_small',
      `Изображение слишком маленькое (${meta.width}×${meta.height}): нужен снимок не меньше ${MIN_IMAGE_SIDE}×${MIN_IMAGE_SIDE} точек`,
    );
  }
  return meta;
}

export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions): Promise<DecodedImage> {
  const meta = await readImageHeader(bytes, opts.maxPixels);
  const input = () => sharp(bytes, { limitInputPixels: opts.maxPixels, failOn: 'error', sequentialRead: true });
  // EXIF orientations 5–8 swap width and height.
  const swapped = (meta.orientation ?? 1) >= 5;
  const originalWidth = swapped ? meta.height : meta.width;
  const originalHeight = swapped ? meta.width : meta.height;
  const scale = Math.min(1, opts.maxSide / Math.max(originalWidth, originalHeight));
  const width = Math.max(1, Math.round(originalWidth * scale));
  const height = Math.max(1, Math.round(originalHeight * scale));
  const pad = opts.padFraction ? Math.round(Math.max(width, height) * opts.padFraction) : 0;
  try {
    let pipeline = input().rotate().removeAlpha().toColourspace('srgb');
    if (scale < 1) pipeline = pipeline.resize(width, height, { fit: 'fill' });
    if (pad > 0) pipeline = pipeline.extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 128, g: 128, b: 128 } });
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels`);
    return { image: { data, width: info.width, height: info.height }, originalWidth, originalHeight, scale, pad };
  } catch (e) {
    throw decodeError(e);
  }
}

function decodeError(e: unknown): AppError {
  const msg = String((e as Error)?.message ?? e);
  if (/pixel limit/i.test(msg)) return new AppError('image_too_large', undefined, msg);
  return new AppError('bad_image', undefined, msg);
}

/** The photo upright (EXIF applied), at most `side` px, on white, as JPEG. */
async function uprightJpeg(bytes: Uint8Array, maxPixels: number, side: number, quality: number): Promise<Buffer> {
  try {
    return await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .resize(side, side, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality })
      .toBuffer();
  } catch (e) {
    throw decodeError(e);
  }
}

/** What the operator sees beside the live frame: upright, at most 360 px. */
export function thumbnailJpeg(bytes: Uint8Array, maxPixels: number, side = 360): Promise<Buffer> {
  return uprightJpeg(bytes, maxPixels, side, 85);
}

/** Photos up to this size are stored as they were loaded; larger ones as a 2048 px JPEG (the engine never looks at more). */
const SOURCE_MAX_BYTES = 1.5 * 1024 * 1024;
const SOURCE_MAX_SIDE = 2048;

/**
 * What to keep of an enrolment photo so that a later model can describe it again: undefined means
 * "the original bytes" (small enough); otherwise an upright JPEG at most 2048 px, quality 92.
 */
export async function sourceForStorage(bytes: Uint8Array, maxPixels: number): Promise<Buffer | undefined> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
  } catch (e) {
    throw decodeError(e);
  }
  if (bytes.length <= SOURCE_MAX_BYTES && Math.max(meta.width ?? 0, meta.height ?? 0) <= SOURCE_MAX_SIDE) return undefined;
  return uprightJpeg(bytes, maxPixels, SOURCE_MAX_SIDE, 92);
}
