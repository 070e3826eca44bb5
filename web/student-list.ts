// The students search (`GET /admin/students`): a card per student with today's pass; a click opens the student card.
import { $, el, HttpError, input, protectedImage } from './common.js';
import { call, token } from './admin-api.js';
import { openStudent } from './student-card.js';

interface StudentItem {
  id: number;
  matricula: string | null;
  lastname: string;
  firstname: string;
  group: string | null;
  identifier: string | null;
  photo_problem?: string | null;
  passed_today: string | null;
}

export async function searchStudents(ev?: Event): Promise<void> {
  ev?.preventDefault();
  const q = input('student-query').value.trim();
  try {
    const r = await call<{ total: number; students: StudentItem[] }>(`/admin/students?limit=50&q=${encodeURIComponent(q)}`);
    const list = $('students');
    list.replaceChildren();
    for (const s of r.students) {
      const card = el('button', null, `student-card${s.passed_today ? ' passed' : ''}${s.photo_problem ? ' without-photo' : ''}`);
      card.type = 'button';
      card.title = 'Открыть карточку студента: данные и проходы';
      card.dataset.id = String(s.id);
      const img = el('img');
      img.alt = '';
      card.append(
        img,
        el('div', `${s.lastname} ${s.firstname}`, 'name'),
        el('div', [s.group, s.matricula ?? s.identifier].filter(Boolean).join(' · '), 'muted'),
        el('div', s.passed_today ? `Прошёл сегодня в ${s.passed_today}` : 'Сегодня не проходил', 'pass-state'),
      );
      if (s.photo_problem) {
        const badge = el('div', 'Без фото', 'no-photo-badge');
        badge.title = s.photo_problem;
        card.insertBefore(badge, img);
        img.remove();
      }
      // A pass cancelled in the card changes «Прошёл сегодня»: the list is searched again.
      card.addEventListener('click', () => void openStudent(s.id, () => void searchStudents()));
      list.append(card);
      if (!s.photo_problem) void protectedImage(`/api/students/${s.id}/photo`, token(), 'x-admin-token').then((u) => u && (img.src = u));
    }
    $('students-total').textContent = `Найдено: ${r.total}`;
  } catch (e) {
    $('students-total').textContent = e instanceof HttpError ? e.body.message : 'Ошибка';
  }
}
