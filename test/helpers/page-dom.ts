// The slice of the browser DOM that the browser tests' page functions touch. Those functions are serialised and
// run in the page, but this Node program is compiled without the "dom" lib: typing them with these interfaces
// (not `any`) keeps a misspelt property a compile error. Lookups return an element, not `| null`: the pages
// under test have these elements, and a missing one throws inside the page, which fails the test.

export interface PageRect {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly width: number;
  readonly height: number;
}

export interface PageElement {
  readonly id: string;
  readonly className: string;
  /** Never null for an element (only for a document or a doctype). */
  readonly textContent: string;
  readonly innerText: string;
  readonly hidden: boolean;
  /** <input> */
  value: string;
  /** <video> */
  readonly videoWidth: number;
  /** <img> */
  readonly naturalWidth: number;
  click(): void;
  querySelector(selector: string): PageElement;
  querySelectorAll(selector: string): PageNodeList;
  getBoundingClientRect(): PageRect;
}

export interface PageNodeList extends Iterable<PageElement> {
  readonly length: number;
}

export interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { drawImage(image: PageImageBitmap, x: number, y: number): void };
  captureStream(fps: number): PageMediaStream;
}

export interface PageImageBitmap {
  readonly width: number;
  readonly height: number;
}

/** A MediaStream: only handed from one page API to another. */
export type PageMediaStream = { readonly __mediaStream: never };

export interface PageDocument {
  title: string;
  readonly activeElement: PageElement;
  readonly documentElement: PageElement & { readonly scrollWidth: number };
  getElementById(id: string): PageElement;
  querySelector(selector: string): PageElement;
  querySelectorAll(selector: string): PageNodeList;
  createElement(tag: 'canvas'): PageCanvas;
}

export interface PageWindow {
  readonly document: PageDocument;
  readonly innerWidth: number;
  readonly innerHeight: number;
  readonly navigator: { readonly mediaDevices?: { getUserMedia: () => Promise<PageMediaStream> } };
  readonly Blob: new (parts: Uint8Array[], options: { type: string }) => object;
  atob(base64: string): string;
  createImageBitmap(blob: object): Promise<PageImageBitmap>;
  setInterval(handler: () => void, ms: number): number;
  getComputedStyle(element: PageElement): { readonly fontSize: string; readonly textDecorationLine: string };
}

export interface PageStorage {
  getItem(key: string): string | null;
}
