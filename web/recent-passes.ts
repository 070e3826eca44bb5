// «Последние проходы сегодня»: the latest passes at this checkpoint (`GET /api/passes/recent`).
import { $, api, el, HttpError } from './common.js';
import { show } from './result-card.js';
import { askForToken, NEED_TOKEN, settings } from './station.js';

export async function refreshRecent(): Promise<void> {
  const { station, token } = settings();
  try {
    const r = await api<{ passes: { time: string; lastname: string; firstname: string; group: string | null; source: string }[] }>(
      `/api/passes/recent?limit=8${station ? `&station=${encodeURIComponent(station)}` : ''}`,
      { token },
    );
    const list = $('recent-list');
    list.replaceChildren(
      ...r.passes.map((p) =>
        el('li', `${p.time.slice(0, 5)} — ${p.lastname} ${p.firstname}${p.group ? `, ${p.group}` : ''}${p.source === 'manual' ? ' (вручную)' : ''}`),
      ),
    );
    if (r.passes.length === 0) list.append(el('li', 'Сегодня проходов пока нет', 'muted'));
  } catch (e) {
    // the list is a convenience; an unpaired page learns here that it needs the token
    if (e instanceof HttpError && e.status === 401) {
      askForToken();
      show('error', 'Пункт пропуска не подключён', NEED_TOKEN);
    }
  }
}
