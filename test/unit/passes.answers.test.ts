// What the station is shown (passes/public.ts), mapped straight from rows: the passport masked, no birth date or
// file path, the local time of the pass, the distance rounded, and the «already passed» wording.
import test from 'node:test';
import assert from 'node:assert/strict';
import { passAnswer, publicPass, publicStudent } from '../../src/passes/public.js';
import type { PassRow } from '../../src/db/schema.js';

const row = {
  id: 42,
  matricula: 'M-42',
  lastname: 'Иванова',
  firstname: 'Анна',
  lotin: 'Ivanova Anna',
  short: 'Иванова А.',
  group: 'ФИ-21',
  identifier: 'ID42',
  date_of_birth: '2003-02-01',
  passport_number: 'AB1234567',
  file_path: 'photos/secret/ivanova.jpg',
  face_score: 0.99,
  face_width: 200,
  photo_problem: null,
  created_at: new Date(0),
  updated_at: new Date(0),
};

test('publicStudent: the masked passport, the photo by URL, never the birth date or where the photo lies', () => {
  const s = publicStudent(row);
  assert.equal(s.passport_masked, 'AB*****67');
  assert.equal(s.photo_url, '/api/students/42/photo');
  assert.equal(s.photo_problem, null);
  const text = JSON.stringify(s);
  for (const secret of ['1234567', '2003-02-01', 'secret', 'ivanova.jpg']) assert.ok(!text.includes(secret), `${secret} leaks: ${text}`);
  assert.deepEqual(Object.keys(s).sort(), [
    'firstname',
    'group',
    'id',
    'identifier',
    'lastname',
    'lotin',
    'matricula',
    'passport_masked',
    'photo_problem',
    'photo_url',
  ]);
  assert.equal(publicStudent({ ...row, passport_number: null, photo_problem: 'no_face' }).passport_masked, null);
  assert.equal(publicStudent({ ...row, photo_problem: 'no_face' }).photo_problem, 'no_face');
});

const pass: PassRow = {
  id: 7,
  student_id: 42,
  timestamp: '2026-12-07T03:55:10.000Z',
  pass_date: '2026-12-07',
  source: 'camera',
  station: 'Вход 1',
  distance: 0.61234,
  reason: null,
  cancelled_at: null,
  cancel_reason: null,
  cancelled_by: null,
  sitting_id: null,
  station_id: null,
  station_room: null,
};

test('publicPass: the instant in UTC and the local date and time of TIMEZONE', () => {
  const p = publicPass(pass, 'Asia/Tashkent');
  assert.deepEqual(p, {
    id: 7,
    timestamp: '2026-12-07T03:55:10.000Z',
    date: '2026-12-07',
    time: '08:55:10',
    source: 'camera',
    station: 'Вход 1',
    reason: null,
  });
  assert.equal(publicPass(pass, 'UTC').time, '03:55:10');
});

test('passAnswer: ok with the distance rounded; already passed says when, for the day or for the sitting', () => {
  const s = publicStudent(row);
  const p = publicPass(pass, 'Asia/Tashkent');
  const ok = passAnswer(true, s, p, 0.61234, 'reliable', 'Проход разрешён');
  assert.equal(ok.status, 'ok');
  assert.equal(ok.message, 'Проход разрешён');
  assert.equal(ok.distance, 0.612);
  assert.equal(ok.match_quality, 'reliable');
  assert.equal(ok.sitting, null);
  const again = passAnswer(false, s, p, null, null, 'Проход разрешён');
  assert.equal(again.status, 'already_passed');
  assert.equal(again.message, 'Студент уже проходил сегодня (первый проход в 08:55)');
  assert.equal(again.status === 'already_passed' && again.first_pass_time, '08:55:10');
  assert.equal(again.distance, null);
  const sitting = { id: 1, exam: 'Матанализ', room: '101', date: '2026-12-07', start: '09:00', end: '11:00', opens: '08:30', registered: 30 };
  assert.equal(passAnswer(false, s, p, null, null, '', sitting).message, 'Студент уже прошёл на этот экзамен (первый проход в 08:55)');
});
