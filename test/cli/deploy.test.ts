/**
 * `itinera deploy` against a running Itinera (real servers, the HTTP API on a free port):
 * the summary printed, the question asked or refused, the program deployed with its note,
 * errors printed compiler style; and the server's log line for the deploy.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeployCommand } from '../../src/cli/deploy.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { captureLog, type CapturedLog } from '../support/log-capture.js';

let itinera: TestItinera;
let log: CapturedLog;
let dir: string;
beforeAll(async () => {
  log = captureLog();
  itinera = await startTestItinera('clideploy', { runWorker: false, logger: log.logger });
  dir = await mkdtemp(join(tmpdir(), 'itinera-deploy-'));
});
afterAll(async () => {
  await itinera?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const FIRST = `segment buyers "Buyers" {
  performed "Order Completed"
}

consent newsletter {
  expires after 365 days
}

journey welcome "Welcome" {
  when performed "Signed Up"
  tag "welcomed"
}
`;

const SECOND = `${FIRST}
segment browsers {
  performed "Page Viewed"
}
`;

async function program(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

interface Run {
  code: number;
  stdout: string[];
  stderr: string[];
  questions: string[];
}

async function deploy(args: string[], answer?: string): Promise<Run> {
  const run: Run = { code: -1, stdout: [], stderr: [], questions: [] };
  run.code = await runDeployCommand(args, {
    io: { out: (line) => run.stdout.push(line), err: (line) => run.stderr.push(line) },
    env: { ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: ADMIN_KEY },
    ...(answer === undefined
      ? {}
      : {
          ask: async (question: string) => {
            run.questions.push(question);
            return answer;
          },
        }),
  });
  return run;
}

const versions = async () =>
  (await send(itinera.baseUrl, 'GET', '/v1/rules/versions', { auth: bearer(ADMIN_KEY) })).body.versions as {
    version: number;
    note: string | null;
    deployedBy: string;
  }[];

describe('itinera deploy', () => {
  it('with --yes prints the summary, deploys with the note and prints the version; the server logs who and what changed', async () => {
    const file = await program('first.itn', FIRST);
    const run = await deploy([file, '--yes', '--note', 'first rules: café & co']);
    expect(run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.questions).toEqual([]);
    expect(run.stdout).toEqual([
      'Changes (nothing is deployed yet):',
      'Segments that recompute (1):',
      '  + buyers (Buyers): added, 0 members after',
      'Journeys (1):',
      '  + welcome (Welcome): added',
      'Consents (1):',
      '  + newsletter: added',
      'Text: 12 lines added, 0 removed (--diff shows them)',
      `Deployed ${file} as version 1 (segments recompute in the background).`,
    ]);
    const [latest] = await versions();
    expect(latest).toMatchObject({ version: 1, note: 'first rules: café & co', deployedBy: 'admin' });

    expect(log.withMessage('rules deployed')).toEqual([
      expect.objectContaining({
        actor: 'admin',
        version: 1,
        segments: { added: 1, changed: 0, removed: 0 },
        journeys: { added: 1, changed: 0, removed: 0 },
        consents: { added: 1, changed: 0, removed: 0 },
      }),
    ]);
    // The note is the deployer's free text: it stays in the versions, out of the log.
    expect(log.text()).not.toContain('café');
  });

  it('asks on a terminal, and deploys only on yes', async () => {
    const file = await program('second.itn', SECOND);
    const declined = await deploy([file], '');
    expect(declined.questions).toEqual(['Deploy? [y/N] ']);
    expect(declined.stdout).toContain('  + browsers: added, 0 members after');
    expect(declined.stdout.at(-1)).toBe('Not deployed.');
    expect(declined.code).toBe(1);
    expect((await versions()).map((v) => v.version)).toEqual([1]);

    const accepted = await deploy([file, '--diff'], 'y');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('Changes (against version 1):');
    expect(accepted.stdout).toContain('+segment browsers {');
    expect(accepted.stdout.at(-1)).toBe(`Deployed ${file} as version 2 (segments recompute in the background).`);
    expect((await versions()).map((v) => v.version)).toEqual([2, 1]);
    expect(log.withMessage('rules deployed').at(-1)).toMatchObject({ version: 2, segments: { added: 1, changed: 0, removed: 0 } });
  });

  it('without a terminal and without --yes refuses in one line and deploys nothing', async () => {
    const file = await program('third.itn', `${SECOND}\nsegment thirds { performed "Third" }\n`);
    const run = await deploy([file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toEqual([
      'itinera: not deployed: there is no terminal to ask "Deploy? [y/N]" on; pass --yes to deploy without asking',
    ]);
    expect((await versions()).map((v) => v.version)).toEqual([2, 1]);
  });

  it('prints compile errors compiler style and exits 1 without asking', async () => {
    const file = await program(
      'broken.itn',
      'segment broken {\n  performed\n}\n\njourney j { when performed "X" tag "t" wait 2 fortnights }\n',
    );
    const run = await deploy([file, '--yes'], 'y');
    expect(run.code).toBe(1);
    expect(run.questions).toEqual([]);
    expect(run.stdout).toEqual([]);
    expect(run.stderr.length).toBeGreaterThan(1);
    for (const line of run.stderr.slice(0, -1)) expect(line).toMatch(new RegExp(`^${file}:\\d+:\\d+: (error|warning) ITN\\d+: .+`));
    expect(run.stderr.at(-1)).toMatch(new RegExp(`^itinera: not deployed: ${file} has \\d+ errors?$`));
    expect((await versions()).map((v) => v.version)).toEqual([2, 1]);
  });

  it('answers a wrong command line with its usage (exit 2)', async () => {
    for (const args of [[], ['a.itn', 'b.itn'], ['a.itn', '--force']]) {
      const run = await deploy(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toEqual(['usage: itinera deploy <file.itn> [--yes] [--note "…"] [--diff]']);
    }
  });
});
