// GET /admin/audit.xlsx: the filtered audit log as one sheet «Журнал действий», newest first, at most AUDIT_EXPORT_MAX
// rows (the caption says when more matched). Every text cell goes through safeCellText: a target such as `group:=1+1`
// stays text in Excel.
import ExcelJS from 'exceljs';
import type { Db } from '../db/index.js';
import { safeCellText as t } from '../spreadsheet-text.js';
import { listAudit, type AuditFilter } from './query.js';

export const AUDIT_EXPORT_MAX = 50_000;
export const AUDIT_SHEET = 'Журнал действий';

const COLUMNS = [
  { header: '№', key: 'id', width: 8 },
  { header: 'Когда (местное время)', key: 'time', width: 20 },
  { header: 'Кто', key: 'actor', width: 22 },
  { header: 'Пункт (id)', key: 'station_id', width: 10 },
  { header: 'Имя пункта / команда', key: 'actor_name', width: 22 },
  { header: 'Адрес', key: 'ip', width: 18 },
  { header: 'Действие (код)', key: 'action', width: 18 },
  { header: 'Действие', key: 'action_label', width: 36 },
  { header: 'Цель', key: 'target', width: 30 },
  { header: 'Подробности', key: 'detail', width: 60 },
] as const;

export async function auditWorkbook(db: Db, f: AuditFilter, timeZone: string, max = AUDIT_EXPORT_MAX): Promise<Buffer> {
  const { total, entries } = await listAudit(db, f, timeZone, max, 0);
  const wb = new ExcelJS.Workbook();
  wb.creator = 'exam-face-checkin';
  wb.title = AUDIT_SHEET;
  const ws = wb.addWorksheet(AUDIT_SHEET, { views: [{ state: 'frozen', ySplit: 2 }] });
  ws.getCell(1, 1).value = total > entries.length ? `Записей: ${total}, в файле первые ${entries.length} (новые сверху) — сузьте фильтр` : `Записей: ${total}`;
  ws.getCell(1, 1).font = { bold: true };
  COLUMNS.forEach((c, i) => (ws.getColumn(i + 1).width = c.width));
  const header = ws.getRow(2);
  header.values = COLUMNS.map((c) => c.header);
  header.font = { bold: true, color: { argb: 'FFFFFFFF' } };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF1F4E78' } };
  for (const e of entries)
    ws.addRow([
      e.id,
      e.time,
      e.actor_label,
      e.station_id,
      t(e.actor_name),
      t(e.ip),
      e.action,
      e.action_label,
      t(e.target),
      t(e.detail === null ? null : JSON.stringify(e.detail)),
    ]);
  ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2 + entries.length, column: COLUMNS.length } };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
