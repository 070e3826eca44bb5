// Admin page plumbing: the admin token kept for this browser session, API calls and file downloads with it, message lines.
import { $, api, download, HttpError, saveBlob } from './common.js';

export const session = window.sessionStorage;
export const token = () => session.getItem('efc.admin') ?? '';
export const call = <T>(url: string, init: RequestInit = {}) => api<T>(url, { ...init, token: token(), tokenHeader: 'x-admin-token' });

/** Fills the message line `id` (its class says ok / error / info). */
export function setMessage(id: string, text: string, kind: 'ok' | 'error' | 'info' = 'info'): void {
  const m = $(id);
  m.textContent = text;
  m.className = `message message-${kind}`;
}

/** Downloads an admin file under the server's name (Content-Disposition); returns that name, or null after an error message. */
export async function downloadFile(url: string, fallback: string, messageId: string, linkId?: string): Promise<string | null> {
  try {
    const { blob, name } = await download(url, token(), 'x-admin-token', fallback);
    saveBlob(blob, name, linkId);
    return name;
  } catch (e) {
    setMessage(messageId, e instanceof HttpError ? e.body.message : 'Не удалось скачать файл', 'error');
    return null;
  }
}
