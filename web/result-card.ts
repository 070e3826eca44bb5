// The result card under the preview: replacing it, its fade back to the idle state, which card is the newest, error cards.
import { $, api, el, HttpError } from './common.js';
import { cameraOn } from './camera.js';
import { askForToken, NEED_TOKEN, settings } from './station.js';

const FADE_DEFAULT_S = 20;
export const panel = $('result');
let fadeSeconds = FADE_DEFAULT_S;
let fadeTimer: number | undefined;
/** Object URLs of the card on screen (photos): released when the card is replaced. */
let cardUrls: string[] = [];
/** Each recognition or manual pass gets a number: a late answer never overwrites a newer card. */
let cardSeq = 0;

/** A new card number: answers for older ones are dropped. */
export function nextCard(): number {
  return ++cardSeq;
}

/** Whether card `seq` is still the newest. */
export function isCurrent(seq: number): boolean {
  return seq === cardSeq;
}

/** An object URL shown on the card: released with it. */
export function keepUrl(url: string): void {
  cardUrls.push(url);
}

export function releaseCard(): void {
  window.clearTimeout(fadeTimer);
  fadeTimer = undefined;
  for (const u of cardUrls) URL.revokeObjectURL(u);
  cardUrls = [];
}

/** Replaces the card. `fade`: the card turns back to the neutral idle state after the configured seconds. */
export function show(kind: string, title: string, hint?: string | null, fade = false): HTMLElement {
  releaseCard();
  panel.className = `result result-${kind}`;
  delete panel.dataset.camera;
  panel.replaceChildren(el('div', title, 'result-title'));
  if (hint) panel.append(el('div', hint, 'result-hint'));
  panel.hidden = false;
  if (fade) startFade();
  return panel;
}

/** (Re)starts the card's countdown to the idle state, with the thin bar that shows it. */
export function startFade(): void {
  window.clearTimeout(fadeTimer);
  panel.querySelector('.result-timer')?.remove();
  const bar = el('div', null, 'result-timer');
  bar.title = `Карточка исчезнет через ${fadeSeconds} с`;
  bar.style.animationDuration = `${fadeSeconds}s`;
  panel.append(bar);
  fadeTimer = window.setTimeout(showIdle, fadeSeconds * 1000);
}

/** The operator waits on this card (a request in flight): no countdown until startFade() is called again. */
export function holdFade(): void {
  window.clearTimeout(fadeTimer);
  fadeTimer = undefined;
  panel.querySelector('.result-timer')?.remove();
}

/** Appends to the card above its countdown bar. */
export function addToCard(...nodes: HTMLElement[]): void {
  const bar = panel.querySelector('.result-timer');
  for (const n of nodes) panel.insertBefore(n, bar);
}

/** The neutral state between students: nothing on screen that belongs to the previous one. */
export function showIdle(): void {
  show(
    'idle',
    'Готово к следующему студенту',
    cameraOn() ? 'Попросите студента посмотреть в камеру и нажмите «Сделать фото» (или пробел)' : 'Нажмите «Открыть камеру»',
  );
}

/** A red card for a failed request; a 401 also opens the token field. */
export function showFailure(e: unknown, fallback: string, hint: string): void {
  const msg = e instanceof HttpError ? e.body.message : fallback;
  if (e instanceof HttpError && e.status === 401) {
    askForToken();
    show('error', msg, NEED_TOKEN);
  } else {
    show('error', msg, hint);
  }
}

/** How long a result stays on screen (`GET /api/settings`); 20 s when the server does not say. */
export async function loadSettings(): Promise<void> {
  try {
    const r = await api<{ result_fade_s?: unknown }>('/api/settings', { token: settings().token });
    const n = Number(r.result_fade_s);
    fadeSeconds = Number.isFinite(n) && n > 0 && n <= 3600 ? n : FADE_DEFAULT_S;
  } catch {
    fadeSeconds = FADE_DEFAULT_S;
  }
}
