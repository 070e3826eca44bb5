// This checkpoint's settings (station name, its room, station token) and the prompt to enter the token when the server asks for it.
import { $, input } from './common.js';

/** The station's room as the server set it (a station paired by its own link); undefined: the page's own choice counts. */
let serverRoom: string | null | undefined;

export function setServerRoom(room: string | null | undefined): void {
  serverRoom = room;
}

export const NEED_TOKEN = 'Откройте ссылку подключения (или QR-код) со страницы администратора, либо введите токен пункта в «Настройках»';

export function settings(): { station: string | null; room: string | null; token: string | null } {
  return {
    station: input('station').value.trim() || null,
    // The exam room: the server's for a station paired by its own link (web/room.ts), else this page's choice; none: the day rule.
    room: serverRoom !== undefined ? serverRoom : ($('room') as HTMLSelectElement).value || null,
    token: input('station-token').value.trim() || null,
  };
}

/** Opens «Настройки» with the cursor in the token field. */
export function askForToken(): void {
  ($('settings') as HTMLDetailsElement).open = true;
  input('station-token').focus();
}
