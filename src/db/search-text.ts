// The lower-cased, ё→е folded text that student search matches against (SQLite's lower() and LIKE know only ASCII).

/** Lower case (Russian rules) with ё folded into е: «Фёдорова» is found by «федорова». */
export function foldForSearch(s: string): string {
  return s.toLocaleLowerCase('ru').replace(/ё/g, 'е');
}

/** What students.search_text holds: name, Latin name, group and both ids, folded. */
export function searchText(s: {
  lastname: string;
  firstname: string;
  lotin: string | null;
  group: string | null;
  matricula: string | null;
  identifier: string | null;
}): string {
  return foldForSearch([s.lastname, s.firstname, s.lotin, s.group, s.matricula, s.identifier].filter(Boolean).join(' '));
}
