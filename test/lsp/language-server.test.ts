/**
 * `itinera lsp` as an editor meets it: a child process spoken to over stdio. Diagnostics
 * come from the compiler with their codes and ranges; completion, hover and go to
 * definition know the program's segments and consents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLspClient, type LspClient } from './client.js';

const PROGRAM = `consent newsletter "Newsletter" {
  expires after 365 days
  remind 30 days before expiry
  categories "Marketing", "Email"
}

segment finished_ebook "Finished the e-book" {
  tagged "ebook_done"
}

segment engaged {
  in segment finished_ebook and consent newsletter is granted
}

journey follow_up {
  when enters segment finishd_ebook
  requires consent newsletter
  tag "followed_up"
}
`;

const URI = 'file:///rules/ebook.itn';
const labels = (items: { label: string }[]) => items.map((item) => item.label);

let client: LspClient;

beforeAll(async () => {
  client = await startLspClient();
}, 60_000);

afterAll(async () => {
  await client?.close();
});

describe('itinera lsp', () => {
  it('publishes the compiler’s diagnostics with their code, severity and range', async () => {
    const diagnostics = await client.open(URI, PROGRAM);
    expect(diagnostics).toEqual([
      {
        range: { start: { line: 15, character: 22 }, end: { line: 15, character: 35 } },
        severity: 1,
        code: 'ITN1203',
        source: 'itinera',
        message: "unknown segment 'finishd_ebook' (did you mean 'finished_ebook'?)",
      },
    ]);
  });

  it('checks again as the program changes', async () => {
    const fixed = PROGRAM.replace('finishd_ebook', 'finished_ebook');
    expect(await client.change(URI, 2, fixed)).toEqual([]);
    const broken = fixed.replace('tag "followed_up"', 'tag "followed_up"\n  split { 50% { exit } 40% { exit } }');
    const diagnostics = await client.change(URI, 3, broken);
    expect(diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([[expect.stringMatching(/^ITN\d{4}$/), 18]]);
    await client.change(URI, 4, PROGRAM);
  });

  it('completes the declared segments after `in segment`, and the consents after `consent`', async () => {
    const draft = `${PROGRAM}\nsegment draft {\n  in segment \n}\n`;
    await client.open('file:///rules/draft.itn', draft);
    const line = draft.split('\n').indexOf('  in segment ');
    const segments = await client.completion('file:///rules/draft.itn', { line, character: '  in segment '.length });
    expect(labels(segments).sort()).toEqual(['engaged', 'finished_ebook']);
    expect(segments[0]!.textEdit).toEqual({
      range: { start: { line, character: 13 }, end: { line, character: 13 } },
      newText: segments[0]!.label,
    });

    const consents = await client.completion(URI, { line: 16, character: '  requires consent news'.length });
    expect(labels(consents)).toEqual(['newsletter']);
  });

  it('completes keywords and declared names elsewhere', async () => {
    const items = labels(await client.completion(URI, { line: 17, character: 2 }));
    expect(items).toEqual(expect.arrayContaining(['tag', 'wait', 'send', 'performed', 'engaged', 'newsletter', 'follow_up']));
  });

  it('shows a segment’s definition on hover', async () => {
    const hover = await client.hover(URI, { line: 11, character: 16 });
    expect(hover?.contents).toEqual({
      kind: 'markdown',
      value: '```itinera\nsegment finished_ebook "Finished the e-book" {\n  tagged "ebook_done"\n}\n```',
    });
    expect(hover?.range).toEqual({ start: { line: 6, character: 8 }, end: { line: 6, character: 22 } });
  });

  it('shows a consent’s terms on hover', async () => {
    const hover = await client.hover(URI, { line: 16, character: 21 });
    const value = (hover?.contents as { value: string }).value;
    expect(value).toContain('- expires 365 days after it is granted');
    expect(value).toContain('- a reminder 30 days before it expires');
    expect(value).toContain('- categories: Marketing, Email');
  });

  it('jumps from a segment or a consent to its declaration', async () => {
    expect(await client.definition(URI, { line: 11, character: 16 })).toEqual({
      uri: URI,
      range: { start: { line: 6, character: 8 }, end: { line: 6, character: 22 } },
    });
    expect(await client.definition(URI, { line: 11, character: 40 })).toEqual({
      uri: URI,
      range: { start: { line: 0, character: 8 }, end: { line: 0, character: 18 } },
    });
    expect(await client.definition(URI, { line: 17, character: 3 })).toBeNull();
  });

  it('writes nothing but the protocol on stdout, and ends cleanly on exit', async () => {
    const other = await startLspClient();
    await other.open('file:///rules/empty.itn', 'segment s { tagged like "vip" }\n');
    await other.completion('file:///rules/empty.itn', { line: 0, character: 0 });
    expect(await other.close()).toBe(0);
    // Every byte belongs to a message: a header naming its length, then that much JSON.
    const stdout = other.stdout();
    const methods: string[] = [];
    for (let offset = 0; offset < stdout.length;) {
      const header = /^Content-Length: (\d+)\r\n\r\n/.exec(stdout.subarray(offset, offset + 64).toString('latin1'));
      expect(header, `no message header at byte ${offset}`).not.toBeNull();
      const start = offset + header![0].length;
      const message = JSON.parse(stdout.subarray(start, start + Number(header![1])).toString('utf8')) as { method?: string };
      if (message.method) methods.push(message.method);
      offset = start + Number(header![1]);
    }
    expect(methods).toContain('textDocument/publishDiagnostics');
  });

  it('goes on without the data when the server named by ITINERA_URL does not answer', async () => {
    // Port 1 on this host: nothing listens there, the connection is refused at once.
    const offline = await startLspClient({ ITINERA_URL: 'http://127.0.0.1:1', ITINERA_ADMIN_KEY: 'test-admin-key' });
    const uri = 'file:///rules/offline.itn';
    await offline.open(uri, 'segment fans {\n  performed "Eb\n}\n');
    expect(await offline.completion(uri, { line: 1, character: 15 })).toEqual([]);
    const hover = await offline.hover(uri, { line: 0, character: 9 });
    expect((hover?.contents as { value: string }).value).toContain('Size: unknown');
    expect(await offline.close()).toBe(0);
  });
});
