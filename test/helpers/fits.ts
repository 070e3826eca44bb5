// Page-side checks that a page fits a narrow screen (a phone in portrait), for Chromium (playwright) and Firefox
// (puppeteer) alike: pass these functions to `page.evaluate`. They run in the browser, serialised on their own, so
// each keeps its helpers inside. Typed with the slice of the DOM they touch (helpers/page-dom.ts explains why).
import assert from 'node:assert/strict';
import type { PageDocument, PageElement, PageWindow } from './page-dom.js';

export interface BoxElement extends PageElement {
  readonly tagName: string;
  readonly parentElement: BoxElement | null;
  readonly clientWidth: number;
  readonly scrollWidth: number;
  checkVisibility(options: { visibilityProperty: boolean }): boolean;
  contains(other: BoxElement | null): boolean;
  getAttribute(name: string): string | null;
}
export interface BoxStyle {
  readonly display: string;
  readonly font: string;
  readonly overflowX: string;
  readonly content: string;
  readonly borderTopColor: string;
  readonly backgroundColor: string;
}
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    font: string;
    fillText(text: string, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: { join(separator: string): string } };
  };
}
export type BoxDocument = Omit<PageDocument, 'getElementById' | 'querySelector'> & {
  getElementById(id: string): BoxElement;
  querySelector(selector: string): BoxElement;
  elementFromPoint(x: number, y: number): BoxElement | null;
};
export type BoxWindow = Omit<PageWindow, 'getComputedStyle' | 'document'> & {
  readonly document: BoxDocument;
  getComputedStyle(e: BoxElement, pseudo?: string): BoxStyle;
};
declare const window: BoxWindow;

export interface Misfits {
  scrollWidth: number;
  innerWidth: number;
  /** One line per box that does not fit: where it is, why, its text. */
  out: string[];
}

/**
 * (In the page.) What does not fit under the element `root` selects: a visible box past the viewport's left or right
 * edge (boxes inside a container that scrolls sideways — the modal dialog — count through that container), or a box
 * whose content is wider than it (a long word sticking out; text fields scroll their own text).
 */
export function misfitsIn(root: string): Misfits {
  const { document } = window;
  const vw = window.innerWidth;
  const out: string[] = [];
  const name = (e: BoxElement) =>
    `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${String(e.className).trim().split(/\s+/).join('.')}` : ''}`;
  const where = (e: BoxElement) => {
    let at = name(e);
    for (let p = e.parentElement; p && p.tagName !== 'BODY'; p = p.parentElement) at = `${name(p)} > ${at}`;
    return at;
  };
  const text = (e: BoxElement) => e.textContent.replace(/\s+/g, ' ').trim().slice(0, 50);
  const scrolled = (e: BoxElement) => {
    for (let p = e.parentElement; p; p = p.parentElement) if (['auto', 'scroll'].includes(window.getComputedStyle(p).overflowX)) return true;
    return false;
  };
  for (const e of document.querySelector(root).querySelectorAll('*') as unknown as Iterable<BoxElement>) {
    if (!e.checkVisibility({ visibilityProperty: true })) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if ((r.right > vw + 0.5 || r.left < -0.5) && !scrolled(e)) out.push(`${where(e)} at ${Math.round(r.left)}..${Math.round(r.right)} px: «${text(e)}»`);
    else if (!['INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName) && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
      out.push(`${where(e)} holds ${e.scrollWidth} px in ${e.clientWidth} px: «${text(e)}»`);
  }
  return { scrollWidth: window.document.documentElement.scrollWidth, innerWidth: vw, out };
}

/** No sideways scrolling, nothing past the screen's edges, nothing spilling out of its box. */
export function assertFits(m: Misfits, what: string): void {
  assert.ok(m.scrollWidth <= m.innerWidth, `${what}: no sideways scrolling (${m.scrollWidth} > ${m.innerWidth})`);
  assert.deepEqual(m.out, [], `${what}: everything within the screen and within its box`);
}

/**
 * (In the page.) The icon `selector`'s ::before shows, and whether some font on this computer draws it (not the empty
 * box of a missing glyph: a Debian station without an emoji font has DejaVu only). Null: no icon.
 */
export function iconOf(selector: string): { icon: string; drawn: boolean } | null {
  const { document } = window;
  const el = document.querySelector(selector);
  const icon = window.getComputedStyle(el, '::before').content;
  if (icon === 'none' || icon === 'normal') return null;
  const pixels = (t: string) => {
    const canvas = (document as unknown as { createElement(tag: 'canvas'): CanvasLike }).createElement('canvas');
    canvas.width = canvas.height = 64;
    const g = canvas.getContext('2d');
    g.font = window.getComputedStyle(el).font;
    g.fillText(t, 8, 48);
    return g.getImageData(0, 0, 64, 64).data.join(',');
  };
  // U+0378 is no character: no font has it, so it is drawn as the missing-glyph box.
  return { icon, drawn: pixels(icon.replace(/^"|\s*"$/g, '')) !== pixels('\u0378') };
}

/**
 * (In the page.) Where the button `selector` is and whether a tap on its middle reaches it (nothing covers it);
 * scroll it into view first.
 */
export function tapTarget(selector: string): {
  left: number;
  right: number;
  top: number;
  bottom: number;
  height: number;
  reached: boolean;
  vw: number;
  vh: number;
} {
  const { document } = window;
  const b = document.querySelector(selector);
  const r = b.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {
    left: r.left,
    right: r.right,
    top: r.top,
    bottom: r.bottom,
    height: r.height,
    reached: b.contains(hit),
    vw: window.innerWidth,
    vh: window.innerHeight,
  };
}

/** A tap target wholly on screen, at least 40 px high, not covered. */
export function assertTappable(t: ReturnType<typeof tapTarget>, what: string): void {
  assert.ok(t.left >= 0 && t.right <= t.vw && t.top >= 0 && t.bottom <= t.vh, `${what} on screen: ${JSON.stringify(t)}`);
  assert.ok(t.height >= 40, `${what} big enough to tap (${t.height} px)`);
  assert.ok(t.reached, `${what} is not covered by anything`);
}
