// resolvePhoto / photoCandidates with confineTo: ../, absolute and drive paths and symlinks out of the folder are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { locatePhoto, photoCandidates, type PhotoLocations } from '../../src/students/photo-paths.js';

/** The located file, or undefined when refused or missing (locatePhoto's answer as a path). */
const resolvePhoto = async (p: string, loc: PhotoLocations): Promise<string | undefined> => {
  const r = await locatePhoto(p, loc);
  return 'file' in r ? r.file : undefined;
};
import { tempDir } from '../helpers/db.js';

let root: string;
/** The upload's folder (confineTo), with photos/ inside. */
let upload: string;
/** A neighbour of the upload holding a photo that must never be reached. */
let outside: string;
let loc: PhotoLocations;

before(() => {
  root = tempDir('efc-photos-');
  upload = path.join(root, 'upload');
  outside = path.join(root, 'outside');
  fs.mkdirSync(path.join(upload, 'photos'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(upload, 'photos', 'a.jpg'), 'inside');
  fs.writeFileSync(path.join(upload, 'b.jpg'), 'inside too');
  fs.writeFileSync(path.join(outside, 'secret.jpg'), 'outside');
  fs.writeFileSync(path.join(root, 'secret.jpg'), 'outside');
  // Symlinks inside the upload: to a file outside, to a folder outside, to a file inside.
  fs.symlinkSync(path.join(outside, 'secret.jpg'), path.join(upload, 'photos', 'link.jpg'));
  fs.symlinkSync('../../outside/secret.jpg', path.join(upload, 'photos', 'rel-link.jpg'));
  fs.symlinkSync(outside, path.join(upload, 'photos', 'dirlink'));
  fs.symlinkSync(path.join(upload, 'photos', 'a.jpg'), path.join(upload, 'photos', 'alias.jpg'));
  fs.mkdirSync(path.join(upload, 'photos', 'sub.jpg')); // a folder named like a photo
  loc = { photosDir: path.join(upload, 'photos'), faceIdDocs: path.join(root, 'Face ID docs'), confineTo: path.join(upload, 'photos') };
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

const within = (dir: string, f: string) => {
  const rel = path.relative(dir, f);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

test('confined: a normal file inside is found, by bare name, with its folder, or with a Windows-style path', async () => {
  const a = path.join(upload, 'photos', 'a.jpg');
  assert.equal(await resolvePhoto('a.jpg', loc), a);
  assert.equal(await resolvePhoto('  a.jpg ', loc), a);
  assert.equal(await resolvePhoto('photos\\a.jpg', { ...loc, confineTo: upload }), a);
  assert.equal(await resolvePhoto('photos/a.jpg', { ...loc, confineTo: upload }), a);
  assert.equal(await resolvePhoto('b.jpg', { ...loc, confineTo: upload }), path.join(upload, 'b.jpg'));
});

test('confined: ../ paths never leave the folder (candidates and resolution)', async () => {
  for (const p of [
    '../secret.jpg',
    '../../secret.jpg',
    '../outside/secret.jpg',
    '../../outside/secret.jpg',
    '..\\..\\outside\\secret.jpg',
    'x/../../../outside/secret.jpg',
    '../../../../../../etc/passwd',
  ]) {
    const c = photoCandidates(p, loc);
    for (const f of c) assert.ok(within(loc.confineTo!, f), `${p}: candidate ${f} outside ${loc.confineTo}`);
    assert.equal(await resolvePhoto(p, loc), undefined, p);
  }
});

test('confined: absolute and drive-letter paths to a file outside are not followed there', async () => {
  const secret = path.join(outside, 'secret.jpg');
  for (const p of [secret, `C:${secret}`, `C:\\${secret.slice(1).replace(/\//g, '\\')}`, `//${secret}`]) {
    for (const f of photoCandidates(p, loc)) assert.ok(within(loc.confineTo!, f), `${p}: candidate ${f}`);
    assert.equal(await resolvePhoto(p, loc), undefined, p);
  }
});

test('confined: a symlink inside the folder that points outside is refused (file or folder link, absolute or relative)', async () => {
  // The links really lead to a readable file: only the realpath check stands between them and the loader.
  assert.equal(fs.readFileSync(path.join(upload, 'photos', 'link.jpg'), 'utf8'), 'outside');
  assert.equal(fs.readFileSync(path.join(upload, 'photos', 'dirlink', 'secret.jpg'), 'utf8'), 'outside');
  for (const p of ['link.jpg', 'rel-link.jpg', 'dirlink/secret.jpg', 'photos/link.jpg']) {
    assert.equal(await resolvePhoto(p, loc), undefined, p);
    assert.equal(await resolvePhoto(p, { ...loc, confineTo: upload }), undefined, `${p} (confined to the upload root)`);
  }
});

test('confined: a symlink that stays inside, a confineTo reached through a symlink, and a folder named .jpg', async () => {
  // locatePhoto answers the real path of what it will read.
  assert.equal(await resolvePhoto('alias.jpg', loc), fs.realpathSync(path.join(upload, 'photos', 'alias.jpg')));
  const via = path.join(root, 'via');
  fs.symlinkSync(path.join(upload, 'photos'), via);
  assert.equal(await resolvePhoto('a.jpg', { ...loc, confineTo: via }), fs.realpathSync(path.join(via, 'a.jpg')));
  assert.equal(await resolvePhoto('link.jpg', { ...loc, confineTo: via }), undefined);
  assert.equal(await resolvePhoto('sub.jpg', loc), undefined, 'not a regular file');
  assert.equal(await resolvePhoto('missing.jpg', loc), undefined);
});
