// Look-alike students (the camera names neither of a pair): pairs with both enrolled photos side by side.
import { $, el, HttpError, protectedImage } from './common.js';
import { call, token } from './admin-api.js';

interface PairStudent {
  id: number;
  name: string;
  matricula: string | null;
  row?: number | null;
  photo_url: string;
}
export interface Pair {
  distance: number;
  students: PairStudent[];
}

/** Look-alike pairs, each with both enrolled photos side by side. */
export function renderPairs(box: HTMLElement, pairs: Pair[]): void {
  box.replaceChildren();
  for (const p of pairs) {
    const card = el('div', null, 'pair');
    for (const s of p.students) {
      const fig = el('figure');
      const img = el('img');
      img.alt = s.name;
      fig.append(img, el('figcaption', `${s.name} · ${s.matricula ?? '—'}${s.row ? ` · строка ${s.row}` : ''}`));
      card.append(fig);
      void protectedImage(s.photo_url, token(), 'x-admin-token').then((u) => u && (img.src = u));
    }
    card.append(el('div', `расстояние ${p.distance.toFixed(3)}`, 'muted'));
    box.append(card);
  }
}

/** The base's look-alike pairs (`GET /admin/lookalikes`), the nearest first. */
export async function loadLookalikes(): Promise<void> {
  try {
    const r = await call<{ total: number; pairs: Pair[] }>('/admin/lookalikes?limit=100');
    $('lookalikes-total').textContent = r.total
      ? `Пар: ${r.total}${r.total > r.pairs.length ? ` (показаны ${r.pairs.length} ближайших)` : ''}`
      : 'Похожих пар нет';
    renderPairs($('lookalikes'), r.pairs);
  } catch (e) {
    $('lookalikes-total').textContent = e instanceof HttpError ? e.body.message : 'Ошибка';
  }
}
