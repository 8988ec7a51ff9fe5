/**
 * A build in dist/ that does not match src/ never runs: bin/itinera.js refuses it with a
 * message saying what to do, and `npm start` (scripts/start.js) rebuilds it first. Checked
 * on a small project of its own in a temp directory, built by the real scripts and tsc, so
 * the repository's own dist/ is left alone.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const STALE = 'itinera: the build in dist/ is older than src/; run npm run build';
const NO_BUILD = 'itinera: there is no complete build in dist/; run npm run build';

let project: string;

const cliSource = (version: string) =>
  `export async function runAsProcess(): Promise<void> {\n  console.log('${version} ' + process.argv.slice(2).join(' '));\n}\n`;

function write(path: string, text: string): void {
  mkdirSync(join(project, path, '..'), { recursive: true });
  writeFileSync(join(project, path), text);
}

function run(script: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [join(project, script), ...args], { cwd: project, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const itinera = (...args: string[]) => run('bin/itinera.js', ...args);
const build = () => run('scripts/build.js');

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'itinera-build-'));
  for (const file of ['bin/itinera.js', 'scripts/build-freshness.js', 'scripts/build.js', 'scripts/start.js']) {
    mkdirSync(join(project, file, '..'), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), join(project, file));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
  write('package.json', '{ "type": "module" }\n');
  write(
    'tsconfig.build.json',
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: [],
        strict: true,
        skipLibCheck: true,
        rootDir: 'src',
        outDir: 'dist',
        incremental: true,
        tsBuildInfoFile: 'dist/.tsbuildinfo',
        noCheck: true,
      },
      include: ['src'],
    }),
  );
  write('src/cli.ts', cliSource('v1'));
  write('src/main.ts', "console.log('started v1');\n");
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('a build that does not match the sources', () => {
  it('is refused when there is none, and runs once built', () => {
    expect(itinera('check', 'x.itn')).toMatchObject({ code: 1, stdout: '', stderr: `${NO_BUILD}\n` });
    expect(build().code).toBe(0);
    expect(itinera('check', 'x.itn')).toMatchObject({ code: 0, stdout: 'v1 check x.itn\n', stderr: '' });
  }, 60_000);

  it('is refused when a source has other content, and runs again when the content is back', () => {
    write('src/cli.ts', cliSource('v2'));
    const refused = itinera('check', 'x.itn');
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe(`${STALE}\n  (src/cli.ts changed since the build)\n`);

    // As after `git checkout other && git checkout -`: the same content with a new mtime.
    write('src/cli.ts', cliSource('v1'));
    expect(itinera('check')).toMatchObject({ code: 0, stdout: 'v1 check\n' });
  });

  it("is not made stale by files the compiler does not read, such as an editor's swap file", () => {
    write('src/.cli.ts.swp', 'swap');
    write('src/notes.txt', 'notes');
    expect(itinera('check')).toMatchObject({ code: 0, stdout: 'v1 check\n' });
    rmSync(join(project, 'src/.cli.ts.swp'));
    rmSync(join(project, 'src/notes.txt'));
  });

  it('is refused when a source is added or removed', () => {
    write('src/extra.ts', 'export const extra = 1;\n');
    expect(itinera().stderr).toBe(`${STALE}\n  (src/extra.ts was added since the build)\n`);
    expect(build().code).toBe(0);
    expect(existsSync(join(project, 'dist/extra.js'))).toBe(true);

    rmSync(join(project, 'src/extra.ts'));
    expect(itinera().stderr).toBe(`${STALE}\n  (src/extra.ts was removed since the build)\n`);
    expect(build().code).toBe(0);
    expect(itinera().code).toBe(0);
    expect(existsSync(join(project, 'dist/extra.js'))).toBe(false);
  }, 60_000);

  it('is refused when the build configuration changed', () => {
    const config = join(project, 'tsconfig.build.json');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\n`);
    expect(itinera().stderr).toContain('(tsconfig.build.json changed since the build)');
    expect(build().code).toBe(0);
    expect(itinera().code).toBe(0);
  }, 60_000);

  it('is refused after an edit that kept size and mtime, when the mtime is that recent', () => {
    // A filesystem with coarse timestamps can leave both as they were after an edit just
    // after the build: such recent files are compared by content.
    const path = join(project, 'src/cli.ts');
    const future = new Date(Date.now() + 60_000);
    utimesSync(path, future, future);
    expect(build().code).toBe(0);
    write('src/cli.ts', cliSource('v3'));
    utimesSync(path, future, future);
    expect(statSync(path).size).toBe(cliSource('v1').length);
    expect(itinera().stderr).toContain('(src/cli.ts changed since the build)');
  }, 60_000);

  it('is never left runnable by a failed build', () => {
    write('src/cli.ts', 'export const broken = ;\n');
    const failed = build();
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('the build failed');
    expect(itinera()).toMatchObject({ code: 1, stderr: `${NO_BUILD}\n` });
  }, 60_000);

  it('is rebuilt by npm start (scripts/start.js), which then runs the new code', () => {
    write('src/cli.ts', cliSource('v4'));
    write('src/main.ts', "console.log('started v4');\n");
    const started = run('scripts/start.js');
    expect(started.code).toBe(0);
    expect(started.stdout).toBe('started v4\n');
    expect(started.stderr).toContain('building');
    expect(itinera('check')).toMatchObject({ code: 0, stdout: 'v4 check\n' });

    // Fresh: starts without building.
    expect(run('scripts/start.js')).toMatchObject({ code: 0, stdout: 'started v4\n', stderr: '' });
  }, 60_000);
});
