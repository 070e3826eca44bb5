// Manual pass: the search panel (surname / Matricula / Идентификатор), the found students, «Пропустить вручную».
import { $, api, el, HttpError, input, protectedImage } from './common.js';
import { renderAdmitted, type Admitted } from './admitted-card.js';
import { cameraOn } from './camera.js';
import type { FoundStudent } from '../dist/contract/shapes.js';
import { refreshRecent } from './recent-passes.js';
import { isCurrent, nextCard, panel, releaseCard, showIdle } from './result-card.js';
import { isRefused, renderRefused, type Refused } from './sitting-card.js';
import { askForToken, settings } from './station.js';

export const manual = $('manual');
let passing = false;
let searchSeq = 0;
let searchTimer: number | undefined;
let searchUrls: string[] = [];
let verifyStudent: ((id: number) => void) | undefined;

/** What «Сверить лицо» beside a found student does (the checkpoint's 1:1 check by the student's id). */
export function onVerify(f: (id: number) => void): void {
  verifyStudent = f;
}

/** A button under a failed result: the way to the documents check. */
export function manualButton(): HTMLElement {
  const b = el('button', 'Найти вручную', 'secondary result-action');
  b.type = 'button';
  b.addEventListener('click', () => openManual());
  return b;
}

export function openManual(): void {
  nextCard(); // a recognition still under way does not come back over the search
  manual.hidden = false;
  panel.hidden = true;
  releaseCard();
  input('manual-query').focus();
  manual.scrollIntoView({ block: 'nearest' });
}

/** Closes the search; `idle`: show the neutral card in its place. */
export function closeManual(idle = true): void {
  if (manual.hidden) return;
  manual.hidden = true;
  window.clearTimeout(searchTimer);
  searchSeq++;
  input('manual-query').value = '';
  input('manual-reason').value = '';
  $('manual-message').textContent = '';
  clearResults();
  if (idle) showIdle();
  panel.hidden = false;
}

function clearResults(): void {
  for (const u of searchUrls) URL.revokeObjectURL(u);
  searchUrls = [];
  $('manual-results').replaceChildren();
}

function manualMessage(text: string, kind: 'info' | 'error' = 'info'): void {
  const m = $('manual-message');
  m.textContent = text;
  m.className = kind === 'error' ? 'message-error' : 'muted';
}

/** Searches shortly after the operator stops typing. */
export function searchSoon(): void {
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => void searchManual(), 350);
}

export async function searchManual(): Promise<void> {
  window.clearTimeout(searchTimer);
  const q = input('manual-query').value.trim();
  const seq = ++searchSeq;
  if (q.length < 2) {
    clearResults();
    manualMessage(q.length ? 'Введите хотя бы 2 символа' : '');
    return;
  }
  manualMessage('Поиск…');
  try {
    const r = await api<{ total: number; students: FoundStudent[] }>(`/api/students?limit=10&q=${encodeURIComponent(q.slice(0, 100))}`, {
      token: settings().token,
    });
    if (seq !== searchSeq) return;
    clearResults();
    if (r.students.length === 0) {
      manualMessage(`Никого не нашли по запросу «${q}». Проверьте написание или ищите по Matricula (зачётке)`);
      return;
    }
    manualMessage(r.total > r.students.length ? `Найдено: ${r.total}, показаны первые ${r.students.length}. Уточните запрос` : `Найдено: ${r.total}`);
    $('manual-results').append(...r.students.map(foundItem));
  } catch (e) {
    if (seq !== searchSeq) return;
    clearResults();
    if (e instanceof HttpError && e.status === 401) askForToken();
    manualMessage(e instanceof HttpError ? e.body.message : 'Ошибка поиска', 'error');
  }
}

function foundItem(s: FoundStudent): HTMLElement {
  const li = el('li', null, `found${s.passed_today ? ' found-passed' : ''}`);
  const img = el('img');
  img.alt = `Фото из базы: ${s.lastname} ${s.firstname}`;
  const info = el('div', null, 'found-info');
  // Each «label number» stays on one line; the line breaks only between them.
  const ids = el('div', null, 'ids');
  const parts = [
    s.group ? `группа ${s.group}` : null,
    s.matricula ? `Matricula ${s.matricula}` : null,
    s.identifier ? `Идентификатор ${s.identifier}` : null,
  ].filter((x): x is string => !!x);
  parts.forEach((t, i) => ids.append(...(i ? [document.createTextNode(' · ')] : []), el('span', t, 'nowrap')));
  info.append(
    el('div', `${s.lastname} ${s.firstname}`, 'name'),
    el('div', s.lotin, 'muted'),
    ids,
    el('div', s.passed_today ? `Уже прошёл сегодня в ${s.passed_today}` : 'Сегодня ещё не проходил', 'pass-state'),
  );
  if (s.photo_problem) info.append(el('div', 'Без фото в базе: камера его не узнает — проверьте документы', 'no-photo-note'));
  const button = el('button', 'Пропустить вручную', 'manual-pass');
  button.type = 'button';
  button.addEventListener('click', () => void passManually(s, button));
  li.append(img, info, button);
  // With the camera on, the found student can be checked by face first (1:1, the same rule as a card's Matricula).
  if (cameraOn() && verifyStudent && !s.photo_problem) {
    const verify = el('button', 'Сверить лицо с камерой', 'secondary verify-pass');
    verify.type = 'button';
    verify.addEventListener('click', () => verifyStudent!(s.id));
    li.append(verify);
  }
  if (s.photo_problem) img.classList.add('no-photo');
  else
    void protectedImage(s.photo_url, settings().token).then((u) => {
      if (!u) return;
      searchUrls.push(u);
      img.src = u;
    });
  return li;
}

async function passManually(s: FoundStudent, button: HTMLButtonElement): Promise<void> {
  if (passing) return;
  passing = true;
  button.disabled = true;
  const seq = nextCard();
  const { station, room, token } = settings();
  const reason = input('manual-reason').value.trim().slice(0, 200);
  try {
    const r = await api<Admitted | Refused>('/api/passes', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ student_id: s.id, ...(reason ? { reason } : {}), ...(station ? { station } : {}), ...(room ? { room } : {}) }),
    });
    closeManual(false);
    // Not this room's exam (not registered, another room, none now): amber, nothing recorded.
    if (isRefused(r)) {
      if (isCurrent(seq)) await renderRefused(r, null, seq);
      panel.scrollIntoView({ block: 'nearest' });
      return;
    }
    // No earlier frame is shown or offered: whoever stood at the camera before is not necessarily this student.
    if (isCurrent(seq)) await renderAdmitted(r, null, seq);
    void refreshRecent();
    panel.scrollIntoView({ block: 'nearest' });
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) askForToken();
    manualMessage(e instanceof HttpError ? e.body.message : 'Не удалось записать проход. Повторите', 'error');
  } finally {
    passing = false;
    button.disabled = false;
    if (manual.hidden && cameraOn()) $('take-photo').focus({ preventScroll: true });
  }
}
