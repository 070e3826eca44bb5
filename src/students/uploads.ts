// Uploaded sheets and photo zips hold passport numbers and faces: they live under DATA_DIR/uploads
// (0700), one folder per load, removed after it; what a killed process left behind is swept at start.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const uploadsDir = (dataDir: string) => path.join(dataDir, 'uploads');

/** A fresh private folder for one upload: DATA_DIR/uploads/load-<pid>-XXXXXX. */
export function newUploadDir(dataDir: string): string {
  const dir = uploadsDir(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700); // also when an older version made it with the default mode
  return fs.mkdtempSync(path.join(dir, `load-${process.pid}-`)); // mkdtemp: 0700
}

const DAY_MS = 86_400_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A leftover: made by this process id (a restart in a container reuses it), by a process that is gone, or a day old. */
function stale(name: string, mtimeMs: number, now: number): boolean {
  const m = /^load-(\d+)-/.exec(name);
  if (!m) return true;
  const pid = Number(m[1]);
  return pid === process.pid || !alive(pid) || now - mtimeMs > DAY_MS;
}

/**
 * Removes the upload folders no running load owns (call once at start, after the config is read);
 * also this user's day-old /tmp/efc-upload-* of versions that kept uploads there (a day: an older
 * version may still be running beside this one). Returns how many were removed.
 */
export function sweepUploads(dataDir: string, log: (msg: string) => void = () => {}): number {
  const now = Date.now();
  let removed = 0;
  const remove = (p: string) => {
    try {
      fs.rmSync(p, { recursive: true, force: true });
      removed++;
    } catch (e) {
      log(`upload leftover not removed: ${p}: ${(e as Error).message}`);
    }
  };
  const dir = uploadsDir(dataDir);
  for (const e of readDir(dir)) {
    const p = path.join(dir, e.name);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st && stale(e.name, st.mtimeMs, now)) remove(p);
  }
  const uid = process.getuid?.();
  for (const e of readDir(os.tmpdir())) {
    if (!e.name.startsWith('efc-upload-') || !e.isDirectory()) continue;
    const p = path.join(os.tmpdir(), e.name);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st && st.uid === uid && now - st.mtimeMs > DAY_MS) remove(p);
  }
  if (removed > 0) log(`removed ${removed} upload folder(s) left by an interrupted load`);
  return removed;
}

function readDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
