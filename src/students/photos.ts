// Resolves a sheet's `File path` to a photo file, the seed's way, never outside an upload's folder.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths.js';

export interface PhotoLocations {
  /** `FACE_ID_DOCS/photos`, or the folder given with --photos. */
  photosDir: string;
  /** `FACE_ID_DOCS` itself. */
  faceIdDocs: string;
  /** Uploaded zip: every candidate must stay inside this folder (no `../`, no absolute paths out). */
  confineTo?: string;
}

function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Candidate files for a `File path` cell, most specific first. */
export function photoCandidates(filePath: string, loc: PhotoLocations): string[] {
  // Sheets made on Windows write C:\…\x.jpg or photos\x.jpg.
  const p = filePath.trim().replace(/\\/g, '/');
  if (loc.confineTo) {
    const rel = p.replace(/^[a-zA-Z]:/, '').replace(/^\/+/, '');
    const docsName = path.basename(loc.faceIdDocs);
    const list = [
      path.resolve(loc.confineTo, rel),
      path.resolve(loc.confineTo, 'photos', rel),
      path.resolve(loc.confineTo, rel.startsWith(`${docsName}/`) ? rel.slice(docsName.length + 1) : rel),
      path.resolve(loc.confineTo, path.posix.basename(rel)),
      path.resolve(loc.confineTo, 'photos', path.posix.basename(rel)),
    ];
    return [...new Set(list)].filter((f) => inside(loc.confineTo!, f));
  }
  if (path.isAbsolute(p) || /^[a-zA-Z]:\//.test(p)) return [p];
  const list = [path.resolve(loc.photosDir, p)];
  const docsName = path.basename(loc.faceIdDocs);
  if (p.startsWith(`${docsName}/`)) list.push(path.resolve(projectRoot, p), path.resolve(path.dirname(loc.faceIdDocs), p));
  list.push(path.resolve(loc.faceIdDocs, p));
  return [...new Set(list)];
}

/** The first candidate that is a regular file (symlinks are followed only when the target stays inside confineTo). */
export function resolvePhoto(filePath: string, loc: PhotoLocations): string | undefined {
  for (const f of photoCandidates(filePath, loc)) {
    try {
      const st = fs.statSync(f);
      if (!st.isFile()) continue;
      if (loc.confineTo && !inside(fs.realpathSync(loc.confineTo), fs.realpathSync(f))) continue;
      return f;
    } catch {
      // not there: try the next candidate
    }
  }
  return undefined;
}
