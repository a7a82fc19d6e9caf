/**
 * CSV for spreadsheets (RFC 4180, UTF-8 with a byte-order mark so that Excel reads Chinese), with
 * formula injection defused: a text cell that starts with = + - @, a tab or a carriage return
 * (=HYPERLINK(…), +cmd|…, @SUM(…)) gets a leading apostrophe, so the spreadsheet shows it as
 * text (OWASP "CSV Injection"). The stored value is never changed; only the export escapes.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: text is defused and quoted when needed; numbers are written as they are. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== value ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

export const CSV_BOM = '\uFEFF';
