// This checkpoint's settings (station name, its room, station token) and the prompt to enter the token when the server asks for it.
import { $, input } from './common.js';

export const NEED_TOKEN = 'Откройте ссылку подключения (или QR-код) со страницы администратора, либо введите токен пункта в «Настройках»';

export function settings(): { station: string | null; room: string | null; token: string | null } {
  return {
    station: input('station').value.trim() || null,
    // The exam room (web/room.ts); none: the day rule, one pass a day.
    room: ($('room') as HTMLSelectElement).value || null,
    token: input('station-token').value.trim() || null,
  };
}

/** Opens «Настройки» with the cursor in the token field. */
export function askForToken(): void {
  ($('settings') as HTMLDetailsElement).open = true;
  input('station-token').focus();
}
