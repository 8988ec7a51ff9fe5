/**
 * The ledger's CSV (GET /v1/consents/ledger, RFC 4180: quoted fields may hold commas,
 * quotes and line breaks) read into rows, each keeping its text as sent, so a download of
 * the filtered rows is byte for byte what the server wrote.
 */
export interface CsvRow {
  fields: string[];
  /** The row's text without its line break. */
  raw: string;
}

export function parseCsv(text: string): { header: CsvRow | undefined; rows: CsvRow[] } {
  const rows: CsvRow[] = [];
  let i = 0;
  while (i < text.length) {
    const start = i;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    for (;;) {
      if (i >= text.length) {
        fields.push(field);
        break;
      }
      const c = text[i]!;
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (c === '"') {
          quoted = false;
          i += 1;
        } else {
          field += c;
          i += 1;
        }
      } else if (c === '"') {
        quoted = true;
        i += 1;
      } else if (c === ',') {
        fields.push(field);
        field = '';
        i += 1;
      } else if (c === '\r' || c === '\n') {
        fields.push(field);
        break;
      } else {
        field += c;
        i += 1;
      }
    }
    const end = i;
    if (text[i] === '\r') i += 1;
    if (text[i] === '\n') i += 1;
    rows.push({ fields, raw: text.slice(start, end) });
  }
  const [header, ...rest] = rows;
  return { header, rows: rest };
}
