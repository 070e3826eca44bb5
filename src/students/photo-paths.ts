// Resolves a sheet's `File path` to a photo file: the seed's way for the CLI; on HTTP loads only
// files whose real path (symlinks followed) lies inside FACE_ID_DOCS or the uploaded zip's folder.
import fs from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../paths.js';

export interface PhotoLocations {
  /** `FACE_ID_DOCS/photos`, or the folder given with --photos. */
  photosDir: string;
  /** `FACE_ID_DOCS` itself. */
  faceIdDocs: string;
  /** Uploaded zip: paths are looked up inside this folder only (absolute ones too, as paths relative to it). */
  confineTo?: string;
  /** HTTP loads: a photo is read only if its real path is inside this folder (FACE_ID_DOCS, or confineTo). */
  root?: string;
  /** Uploaded zip: the wrapper folders above confineTo inside the archive (`Face ID docs`, `Archive/Face ID docs`). */
  zipFolder?: string;
}

export type PhotoLookup = { file: string } | { reason: 'file_not_found' | 'path_outside_docs' };

/** The same words whether or not the file outside exists: the answer must not tell. */
export const OUTSIDE_MESSAGE = 'путь в File path ведёт за пределы папки с фото (Face ID docs или загруженного архива): такие пути не читаются';

function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
const within = (dir: string, p: string) => path.resolve(p) === path.resolve(dir) || inside(dir, p);

const isAbsolute = (p: string) => p.startsWith('/') || /^[a-zA-Z]:\//.test(p);
/**
 * A path written on Windows for its own disk (`C:\…`, `D:/…`, `\\server\share\…`, `\Users\…`): on this (POSIX)
 * computer it names nothing, so it is looked up by its tail below the docs folder. Backslashes are separators.
 */
const isWindowsAbsolute = (raw: string) => path.sep === '/' && (/^[a-zA-Z]:/.test(raw) || raw.startsWith('\\'));
/** A relative path that climbs above its starting folder (`../x.jpg`, `a/../../x.jpg`). */
const climbs = (p: string) => {
  const n = path.posix.normalize(p);
  return n === '..' || n.startsWith('../');
};
/** Sheets made on Windows write C:\…\x.jpg or photos\x.jpg. */
const slashes = (filePath: string) => filePath.trim().replace(/\\/g, '/');
/** The path without its drive letter and leading slashes: `C:/Users/x/a.jpg` → `Users/x/a.jpg`. */
const withoutRoot = (p: string) => p.replace(/^[a-zA-Z]:/, '').replace(/^\/+/, '');

/** The folder name the README tells offices to use, whatever FACE_ID_DOCS is on this server. */
const DOCS_FOLDER = 'Face ID docs';

/**
 * The part of a zip-relative path below the docs folder: `Face ID docs/photos/a.jpg`, `Archive/Face ID docs/photos/a.jpg`
 * and `Users/x/Desktop/Face ID docs/photos/a.jpg` (a Windows absolute path, drive removed) all give `photos/a.jpg`.
 * Undefined when no folder of the path is the docs folder.
 */
function belowDocs(rel: string, loc: PhotoLocations): string | undefined {
  const names = new Set([path.basename(loc.faceIdDocs), DOCS_FOLDER, ...(loc.zipFolder ? loc.zipFolder.split('/') : [])].map((n) => n.toLowerCase()));
  const parts = rel.split('/');
  for (let i = parts.length - 2; i >= 0; i--) if (names.has(parts[i]!.toLowerCase())) return parts.slice(i + 1).join('/');
  return undefined;
}

/**
 * A `File path` whose text climbs out of where it is looked up: `../x.jpg`, `..\..\x.jpg`, `C:\…\Face ID docs\..\..\x.jpg`.
 * Decided from the text alone. This computer's absolute paths are not judged here (the CLI reads them as they are).
 */
function climbsOut(filePath: string, loc: PhotoLocations): boolean {
  const raw = filePath.trim();
  const p = slashes(raw);
  if (!loc.confineTo && !isWindowsAbsolute(raw) && isAbsolute(p)) return false;
  const rel = withoutRoot(p);
  const below = belowDocs(rel, loc);
  return climbs(rel) || (below !== undefined && climbs(below));
}

/**
 * The CLI's candidates for a path from another computer (`C:\Users\…\Face ID docs\photos\a.jpg`, `D:/x/photos/a.jpg`) or
 * any path naming the docs folder: its tail below the docs folder, then its file name in the photos folder. Only files
 * inside FACE_ID_DOCS or the photos folder; nothing when the text climbs out.
 */
function tailCandidates(p: string, loc: PhotoLocations, byName: boolean): string[] {
  const rel = withoutRoot(p);
  const below = belowDocs(rel, loc);
  if (climbs(rel) || (below !== undefined && climbs(below))) return [];
  const list: string[] = [];
  if (below !== undefined) list.push(path.resolve(loc.faceIdDocs, below), path.resolve(loc.photosDir, below.replace(/^photos\//i, '')));
  if (byName) {
    const base = path.posix.basename(rel);
    list.push(path.resolve(loc.faceIdDocs, rel), path.resolve(loc.photosDir, base), path.resolve(loc.faceIdDocs, base));
  }
  return list.filter((f) => inside(loc.faceIdDocs, f) || inside(loc.photosDir, f));
}

/** Candidate files for a `File path` cell, most specific first. */
export function photoCandidates(filePath: string, loc: PhotoLocations): string[] {
  const raw = filePath.trim();
  const p = slashes(raw);
  const docsName = path.basename(loc.faceIdDocs);
  if (loc.confineTo) {
    const rel = withoutRoot(p);
    const below = belowDocs(rel, loc) ?? rel;
    const inPhotos = below.replace(/^photos\//i, '');
    const base = path.posix.basename(rel);
    const list = [
      path.resolve(loc.confineTo, rel),
      path.resolve(loc.confineTo, 'photos', rel),
      path.resolve(loc.confineTo, below),
      // The zip's own photos folder (`Photos/` made on Windows is found for a sheet saying `photos/`).
      path.resolve(loc.photosDir, inPhotos),
      path.resolve(loc.confineTo, base),
      path.resolve(loc.confineTo, 'photos', base),
      path.resolve(loc.photosDir, base),
    ];
    return [...new Set(list)].filter((f) => inside(loc.confineTo!, f));
  }
  // Made on Windows for its own disk: only by its tail, inside the docs folder.
  if (isWindowsAbsolute(raw)) return [...new Set(tailCandidates(p, loc, true))];
  // This computer's absolute path as is; one through a docs folder (a Mac's /Users/…/Face ID docs/…) also by its tail.
  if (isAbsolute(p)) return [...new Set([p, ...tailCandidates(p, loc, false)])];
  const list = [path.resolve(loc.photosDir, p)];
  if (p.startsWith(`${docsName}/`)) list.push(path.resolve(projectRoot, p), path.resolve(path.dirname(loc.faceIdDocs), p));
  list.push(path.resolve(loc.faceIdDocs, p), ...tailCandidates(p, loc, false));
  return [...new Set(list)];
}

/** Per loc: the same paths confined to its root (a Windows path over HTTP without a zip is looked up inside FACE_ID_DOCS). */
const confinedViews = new WeakMap<PhotoLocations, PhotoLocations>();

/**
 * Finds the photo of a `File path` cell. With a root (HTTP), anything whose real path leaves it is `path_outside_docs`;
 * without (the CLI), a relative or Windows path whose text climbs out of the folders it is looked up in is too.
 */
export async function locatePhoto(filePath: string, loc: PhotoLocations): Promise<PhotoLookup> {
  const root = loc.confineTo ?? loc.root;
  const outside = { reason: 'path_outside_docs' } as const;
  if (!loc.confineTo && loc.root && isWindowsAbsolute(filePath.trim())) {
    let view = confinedViews.get(loc);
    if (!view) confinedViews.set(loc, (view = { photosDir: loc.photosDir, faceIdDocs: loc.faceIdDocs, confineTo: loc.root }));
    return locatePhoto(filePath, view);
  }
  const candidates = photoCandidates(filePath, loc);
  const memo = memoOf(loc, root);
  if (!root) {
    if (climbsOut(filePath, loc)) return outside;
    for (const f of candidates) if (await isFile(f)) return { file: f };
    // Sheets typed on Windows or macOS (case-insensitive disks): `IMG_1.jpg` for IMG_1.JPG.
    for (const f of candidates) {
      const other = await memo.otherCase(f);
      if (other && (await isFile(other))) return { file: other };
    }
    return { reason: 'file_not_found' };
  }
  const p = slashes(filePath);
  const rel = loc.confineTo ? withoutRoot(p) : p;
  const realRoot = await memo.realRoot!;
  // Decided from the text alone, before anything about the file itself is looked up.
  if (isAbsolute(rel) ? !rel.startsWith('/') || (!inside(root, rel) && !inside(realRoot, rel)) : climbsOut(filePath, loc)) return outside;
  /** The file, `outside`, or undefined when there is nothing at `f` (try the next candidate). */
  const check = async (f: string): Promise<PhotoLookup | undefined> => {
    // Missing: still outside when the folders on its way (or a dangling link) lead out — else the answer would tell.
    try {
      await fs.lstat(f); // one call for a missing file (most failing rows): folders on the way are remembered
    } catch {
      if (!within(realRoot, await memo.dir(path.dirname(f)))) return outside;
      return undefined;
    }
    let real: string;
    try {
      real = await fs.realpath(f);
    } catch {
      if (!inside(realRoot, await resolveLoosely(f))) return outside;
      return undefined;
    }
    if (!inside(realRoot, real)) return outside; // a symlink inside pointing out is outside
    if (await isFile(real)) return { file: real };
    return undefined;
  };
  const usable = candidates.filter((f) => inside(root, f) || inside(realRoot, f)); // e.g. `Face ID docs/…` against the project root
  for (const f of usable) {
    const r = await check(f);
    if (r) return r;
  }
  for (const f of usable) {
    // Only folders whose real path is inside the root are listed.
    if (!within(realRoot, await memo.dir(path.dirname(f)))) continue;
    const other = await memo.otherCase(f);
    const r = other ? await check(other) : undefined;
    if (r) return r;
  }
  return { reason: 'file_not_found' };
}

/** Per load (one PhotoLocations object): the root's real path, the loose real paths of folders seen, folder listings. */
interface Memo {
  realRoot: Promise<string> | undefined;
  dir(d: string): Promise<string>;
  /** The one file in `f`'s folder whose name differs from `f`'s only in letter case (none or several: undefined). */
  otherCase(f: string): Promise<string | undefined>;
}
const memos = new WeakMap<PhotoLocations, Memo>();

/** Folders listed for the letter-case fallback hold at most this many entries (bigger ones are not listed). */
const MAX_LISTED = 200_000;

function memoOf(loc: PhotoLocations, root: string | undefined): Memo {
  let m = memos.get(loc);
  if (!m) {
    const dirs = new Map<string, Promise<string>>();
    const listings = new Map<string, Promise<Map<string, string[]>>>();
    const listing = (d: string) => {
      let l = listings.get(d);
      if (!l) {
        l = (async () => {
          const byLower = new Map<string, string[]>();
          try {
            const dir = await fs.opendir(d);
            let n = 0;
            for await (const e of dir) {
              if (++n > MAX_LISTED) return new Map<string, string[]>();
              const k = e.name.toLowerCase();
              byLower.set(k, [...(byLower.get(k) ?? []), e.name]);
            }
          } catch {
            // no such folder
          }
          return byLower;
        })();
        listings.set(d, l);
      }
      return l;
    };
    m = {
      realRoot: root === undefined ? undefined : realpathOr(root),
      dir: (d) => dirs.get(d) ?? (dirs.set(d, resolveLoosely(d)).get(d) as Promise<string>),
      otherCase: async (f) => {
        const names = (await listing(path.dirname(f))).get(path.basename(f).toLowerCase());
        return names?.length === 1 && names[0] !== path.basename(f) ? path.join(path.dirname(f), names[0]!) : undefined;
      },
    };
    memos.set(loc, m);
  }
  return m;
}

async function isFile(f: string): Promise<boolean> {
  try {
    return (await fs.stat(f)).isFile();
  } catch {
    return false;
  }
}

async function realpathOr(dir: string): Promise<string> {
  return fs.realpath(dir).catch(() => path.resolve(dir));
}

/** realpath() for a path that may not exist: the real path of what exists, dangling links followed, plus the missing rest. */
async function resolveLoosely(f: string, hops = 0): Promise<string> {
  try {
    return await fs.realpath(f);
  } catch {
    // resolved below, one component at a time
  }
  const parent = path.dirname(f);
  if (parent === f || hops > 80) return f;
  const here = path.join(await resolveLoosely(parent, hops + 1), path.basename(f));
  try {
    if ((await fs.lstat(here)).isSymbolicLink()) return resolveLoosely(path.resolve(path.dirname(here), await fs.readlink(here)), hops + 1);
  } catch {
    // nothing there
  }
  return here;
}

/**
 * Where the photos of an extracted zip are: the zip of `photos/` (photos/a.jpg), of the photos themselves
 * (a.jpg), or of the whole docs folder (Face ID docs/photos/a.jpg, also under more wrapper folders a zipper
 * adds). Folders that only wrap one folder are stepped into — never `photos/` itself — and File path values
 * are then looked up from there (confined to it).
 */
export async function zipPhotoLocations(dest: string, faceIdDocs: string): Promise<PhotoLocations> {
  let dir = path.resolve(dest);
  const wrappers: string[] = [];
  for (let depth = 0; depth < 4; depth++) {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    const only = entries[0];
    if (entries.length !== 1 || !only!.isDirectory() || /^photos$/i.test(only!.name)) break;
    wrappers.push(only!.name);
    dir = path.join(dir, only!.name);
  }
  const subdirs = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  const photos = subdirs.includes('photos') ? 'photos' : (subdirs.find((n) => /^photos$/i.test(n)) ?? 'photos');
  return { photosDir: path.join(dir, photos), faceIdDocs, confineTo: dir, ...(wrappers.length ? { zipFolder: wrappers.join('/') } : {}) };
}

const IMAGE = /\.(jpe?g|png|webp)$/i;

/** Counts the photos under `dir` (at most `limit` entries looked at) and names the first few, relative to `dir`. */
async function photosUnder(dir: string, limit = 200_000): Promise<{ exists: boolean; count: number; examples: string[]; partial: boolean }> {
  const examples: string[] = [];
  let count = 0;
  let seen = 0;
  const walk = async (d: string, rel: string): Promise<void> => {
    const entries = (await fs.readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (++seen > limit) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(d, e.name), r);
      else if (IMAGE.test(e.name)) {
        count++;
        if (examples.length < 3) examples.push(r);
      }
    }
  };
  try {
    if (!(await fs.stat(dir)).isDirectory()) return { exists: false, count: 0, examples, partial: false };
    await walk(dir, '');
  } catch {
    return { exists: false, count: 0, examples, partial: false };
  }
  return { exists: true, count, examples, partial: seen > limit };
}

const quoted = (list: string[]) => list.map((x) => `«${x}»`).join(', ');

/**
 * For a load in which not one photo of the sheet was found: what layout was expected, what is really
 * there (a count and a few names), and a few File path values of the sheet — usually enough to see the slip.
 */
export async function photoLayoutHint(loc: PhotoLocations, sheetPaths: string[]): Promise<string> {
  const docs = DOCS_FOLDER;
  const sheet = sheetPaths.length ? ` В таблице File path, например: ${quoted(sheetPaths.slice(0, 3))}.` : '';
  const found = (where: string, f: Awaited<ReturnType<typeof photosUnder>>, prefix = '') =>
    f.count === 0
      ? `${where} нет ни одного фото (JPEG, PNG, WebP).`
      : `${where} ${f.partial ? 'не меньше ' : ''}${f.count} фото, например: ${quoted(f.examples.map((e) => prefix + e))}.`;
  if (loc.confineTo) {
    const f = await photosUnder(loc.confineTo);
    return (
      `Ни одного фото из таблицы нет в архиве. ${found('В архиве', f, loc.zipFolder ? `${loc.zipFolder}/` : '')}${sheet} ` +
      `Подходит zip папки photos (в архиве photos/a.jpg), zip самих фото (a.jpg в корне архива) или zip всей папки «${docs}» (${docs}/photos/a.jpg); ` +
      `в File path — имя файла (a.jpg) или путь от папки «${docs}» (photos/a.jpg). Имя файла должно совпадать с File path вместе с расширением (a.jpg и a.jpeg — разные файлы).`
    );
  }
  // Over HTTP the server's folder is named relative to FACE_ID_DOCS (no server paths in an answer); the CLI names it in full.
  const shown = loc.root ? `${path.basename(loc.faceIdDocs)}/${path.relative(loc.faceIdDocs, loc.photosDir) || '.'}` : loc.photosDir;
  const f = await photosUnder(loc.photosDir);
  const where = f.exists ? found(`В папке ${shown}`, f) : `Папки ${shown} нет.`;
  return (
    `Ни одного фото из таблицы не найдено. ${where}${sheet} ` +
    `Ожидается папка «${docs}» с файлом list of students.xlsx и папкой photos; в File path — имя файла в photos (a.jpg), ` +
    `путь от папки «${docs}» (photos/a.jpg)${loc.root ? '' : ' или полный путь'}.` +
    (loc.root ? ' Или загрузите таблицу вместе с zip-архивом фото (папки photos или всей папки «Face ID docs»).' : '')
  );
}
