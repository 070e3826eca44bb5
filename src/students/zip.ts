// Safe extraction of an uploaded zip of photos: no path escapes, no symlinks, bounded size and count.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import yauzl from 'yauzl';
import { AppError } from '../errors.js';

export interface ZipLimits {
  maxEntries: number;
  maxTotalBytes: number;
  maxEntryBytes: number;
}

const IMAGE = /\.(jpe?g|png|webp)$/i;
/** What macOS Finder adds to every zip it makes: `__MACOSX/…` and `._name.jpg` (resource forks, not photos). */
const MAC_METADATA = (name: string) => name.split('/').some((part) => part === '__MACOSX' || part.startsWith('._'));

/** Extracts the photos (JPEG/PNG/WebP) of `zipFile` into `dest`; returns how many were written. */
export async function extractPhotos(zipFile: string, dest: string, limits: ZipLimits): Promise<{ written: number; ignored: number }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    // decodeStrings: false — we check names ourselves and skip bad entries instead of refusing the whole zip.
    yauzl.open(zipFile, { lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: true }, (err, z) =>
      err || !z ? reject(new AppError('bad_request', 'Архив с фото повреждён или это не .zip', String(err?.message))) : resolve(z),
    ),
  );
  const root = path.resolve(dest);
  let written = 0;
  let ignored = 0;
  let total = 0;
  let entries = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e: Error) => reject(new AppError('bad_request', 'Архив с фото повреждён', e.message)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          entries++;
          if (entries > limits.maxEntries) throw new AppError('payload_too_large', `В архиве больше ${limits.maxEntries} файлов`);
          const raw = entry.fileName as unknown as Buffer;
          // Bit 11: UTF-8 name; otherwise most zippers on Windows wrote their local code page.
          const name = raw.toString(entry.generalPurposeBitFlag & 0x800 ? 'utf8' : 'latin1').replace(/\\/g, '/');
          const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
          const isLink = mode === 0o120000;
          const target = path.resolve(root, name);
          const escapes = path.isAbsolute(name) || /^[a-zA-Z]:/.test(name) || name.split('/').includes('..') || !target.startsWith(root + path.sep);
          // A second entry with a name already written (zips may hold both) is skipped: the first copy wins.
          if (name.endsWith('/') || isLink || escapes || !IMAGE.test(name) || MAC_METADATA(name) || fs.existsSync(target)) {
            ignored++;
            zip.readEntry();
            return;
          }
          if (entry.uncompressedSize > limits.maxEntryBytes)
            throw new AppError('payload_too_large', `Файл ${path.posix.basename(name)} в архиве слишком большой`);
          total += entry.uncompressedSize;
          if (total > limits.maxTotalBytes) throw new AppError('payload_too_large', 'Архив с фото слишком большой после распаковки');
          fs.mkdirSync(path.dirname(target), { recursive: true });
          const stream = await new Promise<NodeJS.ReadableStream>((res, rej) =>
            zip.openReadStream(entry, (e, s) => (e || !s ? rej(e ?? new Error(`${name}: zip entry without a stream`)) : res(s))),
          );
          let seen = 0;
          // Sizes in the zip header can lie: count the bytes that really come out.
          const guard = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              seen += chunk.length;
              if (seen > limits.maxEntryBytes) cb(new AppError('payload_too_large', 'Файл в архиве больше заявленного'));
              else cb(null, chunk);
            },
          });
          await pipeline(stream, guard, fs.createWriteStream(target, { flags: 'wx' }));
          written++;
          zip.readEntry();
        })().catch((e: unknown) => {
          zip.close();
          reject(e instanceof AppError ? e : new AppError('bad_request', 'Не удалось распаковать архив с фото', String((e as Error)?.message ?? e)));
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return { written, ignored };
}

/**
 * Inflates every entry of an .xlsx (a zip) once, counting the bytes that really come out, and refuses
 * it past `maxBytes`: a zip bomb dressed as a spreadsheet never reaches exceljs.
 */
export async function checkXlsxSize(source: string | Buffer, maxBytes: number): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    const done = (err: Error | null, z?: yauzl.ZipFile) =>
      err || !z ? reject(new AppError('bad_excel', 'Не удалось прочитать файл Excel: нужен файл .xlsx', String(err?.message))) : resolve(z);
    if (typeof source === 'string') yauzl.open(source, { lazyEntries: true, decodeStrings: false }, done);
    else yauzl.fromBuffer(source, { lazyEntries: true, decodeStrings: false }, done);
  });
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const tooBig = () => new AppError('bad_excel', 'Файл Excel слишком большой после распаковки (возможно, повреждён)', `over ${maxBytes} bytes`);
      zip.on('error', (e: Error) => reject(new AppError('bad_excel', 'Файл Excel повреждён', e.message)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.uncompressedSize > maxBytes) return reject(tooBig());
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(new AppError('bad_excel', 'Файл Excel повреждён', String(err?.message)));
          stream.on('data', (c: Buffer) => {
            total += c.length;
            if (total > maxBytes) {
              stream.destroy();
              reject(tooBig());
            }
          });
          stream.on('error', (e: Error) => reject(e instanceof AppError ? e : new AppError('bad_excel', 'Файл Excel повреждён', e.message)));
          stream.on('end', () => zip.readEntry());
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}
