/**
 * `itinera templates push DIR` against a running Itinera: each template of the directory
 * created, then unchanged, then updated when a file changes; a template the server refuses
 * reported with the server's code and message, the others pushed all the same, exit 1.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTemplatesCommand } from '../../src/cli/templates-push.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
let dir: string;
beforeAll(async () => {
  itinera = await startTestItinera('clitemplates', { runWorker: false });
  dir = await mkdtemp(join(tmpdir(), 'itinera-templates-'));
});
afterAll(async () => {
  await itinera?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string[];
  stderr: string[];
}

async function push(args: string[]): Promise<Run> {
  const run: Run = { code: -1, stdout: [], stderr: [] };
  run.code = await runTemplatesCommand(args, {
    io: { out: (line) => run.stdout.push(line), err: (line) => run.stderr.push(line) },
    env: { ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: ADMIN_KEY },
  });
  return run;
}

const stored = async (name: string) =>
  (await send(itinera.baseUrl, 'GET', `/v1/templates/${name}`, { auth: bearer(ADMIN_KEY) })).body as Record<string, unknown>;

describe('itinera templates push', () => {
  it('creates the templates, then leaves them unchanged, then updates the one whose file changed', async () => {
    const templates = join(dir, 'good');
    await mkdir(templates);
    await writeFile(join(templates, 'welcome.html'), '<p>Hello {{ traits.first_name | default: "there" }}</p>\n');
    await writeFile(join(templates, 'welcome.subject.txt'), 'Welcome aboard\n');
    await writeFile(join(templates, 'welcome.txt'), 'Hello there\n');
    await writeFile(join(templates, 'receipt.html'), '<p>Thank you</p>');
    await writeFile(join(templates, 'receipt.subject.txt'), 'Your receipt');
    await writeFile(join(templates, 'README.md'), 'not a template');

    const first = await push(['push', templates]);
    expect(first).toEqual({
      code: 0,
      stdout: ['receipt: created', 'welcome: created', '2 templates: 2 created, 0 updated, 0 unchanged, 0 failed'],
      stderr: [],
    });
    expect(await stored('welcome')).toMatchObject({
      subject: 'Welcome aboard',
      html: '<p>Hello {{ traits.first_name | default: "there" }}</p>\n',
      text: 'Hello there\n',
    });
    const updatedAt = (await stored('welcome')).updatedAt;

    const again = await push(['push', templates]);
    expect(again.code).toBe(0);
    expect(again.stdout).toEqual(['receipt: unchanged', 'welcome: unchanged', '2 templates: 0 created, 0 updated, 2 unchanged, 0 failed']);
    expect((await stored('welcome')).updatedAt).toBe(updatedAt);

    await rm(join(templates, 'welcome.txt'));
    const changed = await push(['push', templates]);
    expect(changed.stdout).toEqual(['receipt: unchanged', 'welcome: updated', '2 templates: 0 created, 1 updated, 1 unchanged, 0 failed']);
    expect(await stored('welcome')).not.toHaveProperty('text');
  });

  it("reports each failed template with the server's code and message, pushes the others, exits 1", async () => {
    const templates = join(dir, 'mixed');
    await mkdir(templates);
    await writeFile(join(templates, 'broken.html'), '<p>{% if %}</p>');
    await writeFile(join(templates, 'broken.subject.txt'), 'Broken');
    await writeFile(join(templates, 'fine.html'), '<p>Fine</p>');
    await writeFile(join(templates, 'fine.subject.txt'), 'Fine');
    await writeFile(join(templates, 'headless.html'), '<p>No subject</p>');

    const run = await push(['push', templates]);
    expect(run.code).toBe(1);
    expect(run.stdout).toEqual(['fine: created']);
    expect(run.stderr).toHaveLength(3);
    expect(run.stderr[0]).toBe('broken: error: template_invalid: html 1:9: invalid value expression: ""');
    expect(run.stderr[1]).toBe(`headless: error: no headless.subject.txt (the subject) in ${templates}`);
    expect(run.stderr[2]).toBe('itinera: 3 templates: 1 created, 0 updated, 0 unchanged, 2 failed');
    expect((await send(itinera.baseUrl, 'GET', '/v1/templates/broken', { auth: bearer(ADMIN_KEY) })).status).toBe(404);
  });

  it('answers a wrong command line with its usage (exit 2)', async () => {
    for (const args of [[], ['pull', dir], ['push'], ['push', dir, 'more']]) {
      const run = await push(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toEqual(['usage: itinera templates push <dir>']);
    }
  });
});
