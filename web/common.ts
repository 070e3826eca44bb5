// Browser helpers shared by the checkpoint and admin pages: API calls with tokens, small DOM helpers.

export interface ApiError {
  error: string;
  message: string;
  status?: string;
}

export class HttpError extends Error {
  constructor(readonly status: number, readonly body: ApiError) {
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
  if (!res.ok && !(res.status === 422 && body.status)) throw new HttpError(res.status, { error: body.error ?? 'http', message: body.message ?? `Ошибка ${res.status}` });
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
