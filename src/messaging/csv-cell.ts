/**
 * CSV cells that a spreadsheet opens as text, never as a formula. A cell starting with `=`, `+`, `-`,
 * `@`, a tab or a carriage return is a formula to Excel, LibreOffice and Google Sheets
 * (`=HYPERLINK(...)`, `@SUM(...)`, `-cmd|' /C calc'!A0`), so it is written with a leading `'`, as
 * spreadsheet-safe CSV writers do; reading a batch CSV removes that one quote again, so a failed-rows
 * file sent again sends exactly the original text (and `+1555...` numbers stay numbers).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEUTRALISED = /^'[=+\-@\t\r]/;

/** One cell of a CSV line: neutralised, then quoted when it holds a comma, quote or line break. */
export function csvCell(value: string | number): string {
  const text = String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A cell as read from a batch CSV, with the neutralising quote taken off. */
export function fromCsvCell(value: string): string {
  return NEUTRALISED.test(value) ? value.slice(1) : value;
}
