import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import ts from 'typescript';
import { ROOT } from '../support/cli';

/**
 * The minified reporter measured 19.1 KB (without zod and the server's modules), a little room on top.
 * It was 16.6 KB before it copied hostile values safely (cycles, BigInt, throwing getters, Proxies),
 * checked its options at start-up, timed out SQS calls and kept its buffer in a ring: 2.5 KB for those.
 */
const BUDGET_BYTES = 19.5 * 1024;

/** `npm run build`'s esbuild flags, as API options (the first test checks the script still says so). */
const BUILD_FLAGS = '--bundle --platform=node --format=cjs --target=node20 --external:@aws-sdk/*';
const BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['@aws-sdk/*'],
  logLevel: 'warning',
};

const outdir = mkdtempSync(join(tmpdir(), 'headsup-reporter-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Every file under `dir`, as a path relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    statSync(join(dir, name)).isFile(),
  );
}

/** What a TypeScript source or declaration file imports, re-exports or requires, as written. */
function importsOf(path: string): string[] {
  return ts.preProcessFile(readFileSync(path, 'utf8'), true, true).importedFiles.map((i) => i.fileName);
}

const withinPackage = (path: string) => /^(reporter|common)\//.test(path);

describe('the reporter package (headsup/reporter)', () => {
  it(`bundles minified within ${BUDGET_BYTES} bytes, from reporter/ and common/ only, without zod`, async () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.build).toContain(`esbuild reporter/index.ts ${BUILD_FLAGS} `);

    const outfile = join(outdir, 'index.js');
    const { metafile } = await build({
      ...BUILD_OPTIONS,
      absWorkingDir: ROOT,
      entryPoints: ['reporter/index.ts'],
      minify: true,
      metafile: true,
      outfile,
    });

    expect(Object.keys(metafile.inputs).filter((input) => !withinPackage(input))).toEqual([]);
    const code = readFileSync(outfile, 'utf8');
    expect(code).not.toMatch(/zod/i);
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('declares its types (tsc -p tsconfig.reporter.json) without the server or zod', () => {
    const types = join(outdir, 'types');
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.reporter.json', '--outDir', types], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);

    const files = filesUnder(types);
    expect(files).toContain('reporter/index.d.ts');
    expect(files.filter((file) => !withinPackage(file))).toEqual([]);
    // Relative imports stay among those files; the one package the types name is the AWS SDK's SQS client.
    const packages = files.flatMap((file) =>
      importsOf(join(types, file)).filter((from) => !from.startsWith('.')),
    );
    expect(new Set(packages)).toEqual(new Set(['@aws-sdk/client-sqs']));
  });
});
