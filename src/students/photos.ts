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
/** A relative path that climbs above its starting folder (`../x.jpg`, `a/../../x.jpg`). */
const climbs = (p: string) => {
  const n = path.posix.normalize(p);
  return n === '..' || n.startsWith('../');
};
/** Sheets made on Windows write C:\…\x.jpg or photos\x.jpg. */
const slashes = (filePath: string) => filePath.trim().replace(/\\/g, '/');

/** Candidate files for a `File path` cell, most specific first. */
export function photoCandidates(filePath: string, loc: PhotoLocations): string[] {
  const p = slashes(filePath);
  const docsName = path.basename(loc.faceIdDocs);
  if (loc.confineTo) {
    const rel = p.replace(/^[a-zA-Z]:/, '').replace(/^\/+/, '');
    const list = [
      path.resolve(loc.confineTo, rel),
      path.resolve(loc.confineTo, 'photos', rel),
      path.resolve(loc.confineTo, rel.startsWith(`${docsName}/`) ? rel.slice(docsName.length + 1) : rel),
      path.resolve(loc.confineTo, path.posix.basename(rel)),
      path.resolve(loc.confineTo, 'photos', path.posix.basename(rel)),
    ];
    return [...new Set(list)].filter((f) => inside(loc.confineTo!, f));
  }
  if (isAbsolute(p)) return [p];
  const list = [path.resolve(loc.photosDir, p)];
  if (p.startsWith(`${docsName}/`)) list.push(path.resolve(projectRoot, p), path.resolve(path.dirname(loc.faceIdDocs), p));
  list.push(path.resolve(loc.faceIdDocs, p));
  return [...new Set(list)];
}

/** Finds the photo of a `File path` cell; with a root, anything whose real path leaves it is `path_outside_docs`. */
export async function locatePhoto(filePath: string, loc: PhotoLocations): Promise<PhotoLookup> {
  const root = loc.confineTo ?? loc.root;
  if (!root) {
    for (const f of photoCandidates(filePath, loc)) if (await isFile(f)) return { file: f };
    return { reason: 'file_not_found' };
  }
  const outside = { reason: 'path_outside_docs' } as const;
  const p = slashes(filePath);
  const rel = loc.confineTo ? p.replace(/^[a-zA-Z]:/, '').replace(/^\/+/, '') : p;
  const memo = memoOf(loc, root);
  const realRoot = await memo.realRoot;
  // Decided from the text alone, before anything about the file itself is looked up.
  if (isAbsolute(rel) ? !rel.startsWith('/') || (!inside(root, rel) && !inside(realRoot, rel)) : climbs(rel)) return outside;
  for (const f of photoCandidates(filePath, loc)) {
    if (!inside(root, f) && !inside(realRoot, f)) continue; // e.g. `Face ID docs/…` against the project root
    // Missing: still outside when the folders on its way (or a dangling link) lead out — else the answer would tell.
    try {
      await fs.lstat(f); // one call for a missing file (most failing rows): folders on the way are remembered
    } catch {
      if (!within(realRoot, await memo.dir(path.dirname(f)))) return outside;
      continue;
    }
    let real: string;
    try {
      real = await fs.realpath(f);
    } catch {
      if (!inside(realRoot, await resolveLoosely(f))) return outside;
      continue;
    }
    if (!inside(realRoot, real)) return outside; // a symlink inside pointing out is outside
    if (await isFile(real)) return { file: real };
  }
  return { reason: 'file_not_found' };
}

/** Per load (one PhotoLocations object): the root's real path and the loose real paths of folders seen. */
const memos = new WeakMap<PhotoLocations, { realRoot: Promise<string>; dir(d: string): Promise<string> }>();

function memoOf(loc: PhotoLocations, root: string) {
  let m = memos.get(loc);
  if (!m) {
    const dirs = new Map<string, Promise<string>>();
    m = {
      realRoot: realpathOr(root),
      dir: (d) => dirs.get(d) ?? (dirs.set(d, resolveLoosely(d)).get(d) as Promise<string>),
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
