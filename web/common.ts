// Browser helpers shared by the checkpoint and admin pages: API calls with tokens, small DOM helpers.
import type { ErrorBody } from '../dist/contract/shapes.js';

/** An error answer (contract/shapes.ts ErrorBody). */
export type ApiError = ErrorBody;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.message);
  }
}

export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el;
}

export function input(id: string): HTMLInputElement {
  return $(id) as HTMLInputElement;
}

/** Text node helper: never innerHTML with server data. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string | null, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

export async function api<T>(url: string, init: RequestInit & { token?: string | null; tokenHeader?: string } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set(init.tokenHeader ?? 'x-station-token', init.token);
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers });
  } catch {
    throw new HttpError(0, { error: 'network', message: 'Нет связи с сервером. Проверьте сеть и повторите' });
  }
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('application/json')) {
    if (!res.ok) throw new HttpError(res.status, { error: 'http', message: `Ошибка сервера (${res.status})` });
    return (await res.blob()) as unknown as T;
  }
  const body = (await res.json()) as T & Partial<ApiError>;
  if (!res.ok && !(res.status === 422 && body.status))
    throw new HttpError(res.status, { error: body.error ?? 'http', message: body.message ?? `Ошибка ${res.status}` });
  return body;
}

/** Loads a protected image (photo endpoints need a token header, which <img src> cannot send). */
export async function protectedImage(url: string, token: string | null, tokenHeader = 'x-station-token'): Promise<string | null> {
  try {
    const blob = await api<Blob>(url, { token, tokenHeader });
    return URL.createObjectURL(blob);
  } catch {
    return null;
  }
}

/** A file download with the token header: the bytes and the server's file name (Content-Disposition). */
export async function download(url: string, token: string | null, tokenHeader: string, fallbackName: string): Promise<{ blob: Blob; name: string }> {
  const headers = new Headers();
  if (token) headers.set(tokenHeader, token);
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch {
    throw new HttpError(0, { error: 'network', message: 'Нет связи с сервером. Проверьте сеть и повторите' });
  }
  if (!res.ok) {
    const body = (res.headers.get('content-type') ?? '').includes('application/json') ? ((await res.json()) as Partial<ApiError>) : {};
    throw new HttpError(res.status, { error: body.error ?? 'http', message: body.message ?? `Ошибка сервера (${res.status})` });
  }
  return { blob: await res.blob(), name: fileNameFrom(res.headers.get('content-disposition')) ?? fallbackName };
}

/** `filename*=UTF-8''…` (RFC 6266/5987) first, then `filename="…"`; null when neither is there. */
export function fileNameFrom(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)/i.exec(disposition);
  if (star) {
    try {
      const name = decodeURIComponent(star[2]!.trim().replace(/^"|"$/g, ''));
      if (name) return safeName(name);
    } catch {
      // a malformed escape: fall back to the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(disposition);
  const name = plain ? (plain[1]?.replace(/\\(.)/g, '$1') ?? plain[2]) : null;
  return name ? safeName(name) : null;
}

/** No folders in a saved file's name. */
function safeName(name: string): string {
  return name.replace(/[\\/]/g, '_').trim() || 'download';
}

/** Saves a blob under `name` through a temporary link (the browser's own download). */
export function saveBlob(blob: Blob, name: string, linkId?: string): void {
  const a = el('a');
  const url = URL.createObjectURL(blob);
  a.href = url;
  a.download = name;
  if (linkId) a.id = linkId;
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** `YYYY-MM-DD` → `ДД.ММ.ГГГГ` (other text unchanged). */
export function ruDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}.${m[2]}.${m[1]}${iso.slice(10).replace('T', ' ')}` : iso;
}

/** How a pass was recorded, in the operator's words. */
export const SOURCE_LABELS: Record<string, string> = {
  camera: 'камера',
  web: 'загрузка фото',
  manual: 'вручную',
  verified: 'зачётка + лицо',
  override: 'допущен оператором',
};
