// «Хранение и удаление данных»: how long records are kept and what the next daily sweep deletes; erasing a cohort
// (a group, or the students of one load) after a preview, by typing the number it names; erasing one student from
// the card goes through the same preview and confirmation (eraseOne).
import { $, el, HttpError, input } from './common.js';
import { call, setMessage } from './admin-api.js';

interface Retention {
  policy: { attempts_days: number; added_frames_days: number; passes_days: number; audit_days: number; erase_passes: 'counts' | 'delete' };
  last_sweep: { at: string; attempts: number; added_frames: number; passes: number } | null;
  next_sweep_at: string;
  next: { attempts: number; added_frames: number; passes: number };
}
interface Preview {
  count: number;
  passes: number;
  students: { id: number; name: string; matricula: string | null; group: string | null }[];
}
interface Load {
  id: number;
  file: string;
  started_at: string;
  students: number;
}
interface Erased {
  students: number;
  message: string;
}

const when = (iso: string) => new Date(iso).toLocaleString('ru-RU', { dateStyle: 'short', timeStyle: 'short' });
const days = (n: number) => (n === 0 ? 'всегда' : `${n} дн.`);

export async function loadRetention(): Promise<void> {
  try {
    const r = await call<Retention>('/admin/retention');
    const p = r.policy;
    const list = el('ul', null, 'retention-list');
    list.append(
      el(
        'li',
        `Попытки распознавания: ${days(p.attempts_days)}; кадры добавленных снимков: ${days(p.added_frames_days)}; проходы: ${days(p.passes_days)}; журнал действий: ${days(p.audit_days)}`,
      ),
      el('li', `Проходы удалённого студента: ${p.erase_passes === 'counts' ? 'остаются только числом' : 'удаляются'}`),
      el(
        'li',
        `Следующая очистка ${when(r.next_sweep_at)} удалит: попыток — ${r.next.attempts}, кадров — ${r.next.added_frames}, проходов — ${r.next.passes}`,
        'retention-next',
      ),
      el(
        'li',
        r.last_sweep
          ? `Последняя очистка ${when(r.last_sweep.at)}: попыток — ${r.last_sweep.attempts}, кадров — ${r.last_sweep.added_frames}, проходов — ${r.last_sweep.passes}`
          : 'Очистка ещё не проводилась',
        'muted',
      ),
    );
    $('retention').replaceChildren(list);
  } catch (e) {
    $('retention').replaceChildren(el('p', e instanceof HttpError ? e.body.message : 'Не удалось получить сроки хранения', 'message message-error'));
  }
  await loadLoads();
}

async function loadLoads(): Promise<void> {
  try {
    const r = await call<{ loads: Load[] }>('/admin/loads');
    const select = $('erase-load') as HTMLSelectElement;
    select.replaceChildren(
      ...r.loads.map((l) => {
        const o = el('option', `${when(l.started_at)} — ${l.file.split(/[\\/]/).pop() ?? l.file} (студентов: ${l.students})`);
        o.value = String(l.id);
        return o;
      }),
    );
  } catch {
    // The group is still there to choose.
  }
}

/** The preview with its confirmation: the number must be typed before «Удалить навсегда» does anything. */
function renderPreview(box: HTMLElement, query: Record<string, string | number>, p: Preview, messageId: string, done: () => void): void {
  box.hidden = false;
  if (p.count === 0) {
    box.replaceChildren(el('p', 'Таких студентов нет', 'muted'));
    return;
  }
  const names = el('ul', null, 'erase-names');
  names.append(...p.students.map((s) => el('li', `${s.name}${s.matricula ? ` (${s.matricula})` : ''}${s.group ? `, ${s.group}` : ''}`)));
  if (p.count > p.students.length) names.append(el('li', `… и ещё ${p.count - p.students.length}`, 'muted'));
  const form = el('form', null, 'erase-confirm');
  const typed = el('input');
  typed.inputMode = 'numeric';
  typed.placeholder = String(p.count);
  typed.setAttribute('aria-label', 'Число студентов для подтверждения');
  const go = el('button', 'Удалить навсегда', 'danger');
  go.type = 'submit';
  go.disabled = true;
  typed.addEventListener('input', () => (go.disabled = typed.value.trim() !== String(p.count)));
  form.append(el('label', `Чтобы удалить, введите число студентов (${p.count}): `), typed, go);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (typed.value.trim() !== String(p.count)) return;
    go.disabled = true;
    void call<Erased>('/admin/erase', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...query, confirm: p.count }),
    })
      .then((r) => {
        setMessage(messageId, r.message, 'ok');
        box.hidden = true;
        done();
      })
      .catch((e: unknown) => {
        setMessage(messageId, e instanceof HttpError ? e.body.message : 'Не удалось удалить', 'error');
        go.disabled = false;
      });
  });
  box.replaceChildren(
    el(
      'p',
      `Будет удалено безвозвратно: студентов — ${p.count}, их проходов — ${p.passes}. Фото, описания лица и добавленные снимки стираются.`,
      'message message-error',
    ),
    names,
    form,
  );
  typed.focus();
}

async function preview(query: Record<string, string | number>, box: HTMLElement, messageId: string, done: () => void): Promise<void> {
  setMessage(messageId, '');
  try {
    const p = await call<Preview>(`/admin/erase/preview?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`);
    renderPreview(box, query, p, messageId, done);
  } catch (e) {
    setMessage(messageId, e instanceof HttpError ? e.body.message : 'Не удалось показать', 'error');
  }
}

/** The cohort form: a group typed, or a load chosen. */
export function wireErasure(onErased: () => void): void {
  const kind = $('erase-kind') as HTMLSelectElement;
  kind.addEventListener('change', () => {
    $('erase-group-label').hidden = kind.value !== 'group';
    $('erase-load-label').hidden = kind.value !== 'load_id';
    $('erase-preview').hidden = true;
  });
  $('erase-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const query: Record<string, string> =
      kind.value === 'group' ? { group: input('erase-group').value.trim() } : { load_id: ($('erase-load') as HTMLSelectElement).value };
    if (!Object.values(query)[0]) return setMessage('erase-message', kind.value === 'group' ? 'Укажите группу' : 'Выберите загрузку', 'error');
    void preview(query, $('erase-preview'), 'erase-message', () => {
      void loadRetention();
      onErased();
    });
  });
}

/** «Удалить студента…» in the card: the same preview (one student, their passes) and the typed confirmation. */
export function eraseOne(studentId: number, box: HTMLElement, messageId: string, done: () => void): Promise<void> {
  return preview({ student_id: studentId }, box, messageId, () => {
    void loadRetention(); // the loads' counts change
    done();
  });
}
