import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../support/cli';

/**
 * The layers of docs/architecture.md, checked on every source file: which of our folders (or files)
 * and which packages each layer may import. Type-only imports count too. Import cycles are Biome's
 * (`noImportCycles` in biome.json); this test is the one place for the direction of dependencies.
 */
type Layer = {
  /** The folder whose files the rule covers (relative to the repository root). */
  files: string;
  except?: string[];
  /** Our folders or files (without `.ts`) this layer may import. */
  mayImport: string[];
  /** Packages and node: modules, exact or with a subpath (`hono` allows `hono/html`); or any. */
  packages: string[] | 'any';
};

const LAYERS: Layer[] = [
  { files: 'common', mayImport: ['common'], packages: [] },
  {
    files: 'functions/core',
    mayImport: ['functions/core', 'common'],
    // Computation only: no SDK, no node: I/O module.
    packages: ['node:crypto', 'zod', '@slack/types', 'yaml', 'markdown-it', 'handlebars', 'luxon'],
  },
  {
    files: 'functions/services',
    mayImport: ['functions/services', 'functions/core', 'common'],
    packages: ['node:crypto', '@aws-lambda-powertools/logger', '@aws-lambda-powertools/metrics'],
  },
  {
    // Settings are declarations: a zod rule per variable, nothing that reads the outside world.
    files: 'functions/config',
    mayImport: ['functions/config', 'functions/core', 'common', 'lib/definitions'],
    packages: ['zod'],
  },
  {
    // Adapters may use any SDK; of ours, only what they implement (ports, failures) and pure code.
    files: 'functions/adapters',
    mayImport: [
      'functions/adapters',
      'functions/services/ports',
      'functions/services/failures',
      'functions/config',
      'functions/core',
      'common',
      'lib/definitions',
    ],
    packages: 'any',
  },
  {
    // The routes speak to ports; only the composition root (wiring.ts) knows the adapters.
    files: 'functions/web',
    except: ['functions/web/wiring.ts'],
    mayImport: ['functions/web', 'functions/services/ports', 'functions/core', 'common'],
    packages: ['node:crypto', 'hono', '@aws-lambda-powertools/logger'],
  },
  {
    // The package that runs inside our users' servers: nothing of the server's.
    files: 'reporter',
    mayImport: ['reporter', 'common'],
    packages: ['node:crypto', '@aws-sdk/client-sqs'],
  },
];

function sourceFiles(layer: Layer): string[] {
  return readdirSync(join(ROOT, layer.files), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(layer.files, name))
    .filter((file) => !layer.except?.includes(file));
}

const within = (path: string, allowed: string) => path === allowed || path.startsWith(`${allowed}/`);

/** What `text` (the source of `file`, relative to the root) imports that its layer does not allow. */
function violations(layer: Layer, file: string, text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter((specifier) => {
      if (!specifier.startsWith('.'))
        return layer.packages !== 'any' && !layer.packages.some((p) => within(specifier, p));
      const target = relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.ts$/, '');
      return !layer.mayImport.some((allowed) => within(target, allowed));
    });
}

describe('layers', () => {
  it.each(LAYERS.map((layer) => [layer.files, layer] as const))(
    '%s imports only what its layer allows',
    (_, layer) => {
      const files = sourceFiles(layer);
      expect(files.length).toBeGreaterThan(0);
      const found = files.flatMap((file) =>
        violations(layer, file, readFileSync(join(ROOT, file), 'utf8')).map(
          (specifier) => `${file} → ${specifier}`,
        ),
      );
      expect(found).toEqual([]);
    },
  );

  it('imports zod only through functions/core/zod.ts, which sets up its messages before any schema', () => {
    const importers = ['functions', 'lib', 'bin', 'local', 'common', 'reporter', 'bench', 'test'].flatMap(
      (dir) =>
        sourceFiles({ files: dir, mayImport: [], packages: 'any' }).filter((file) =>
          ts
            .preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true)
            .importedFiles.some(({ fileName }) => within(fileName, 'zod')),
        ),
    );
    expect(importers).toEqual(['functions/core/zod.ts']);
  });

  it('catches every kind of import: static, type-only, re-export, dynamic, require, packages', () => {
    const core = LAYERS.find((layer) => layer.files === 'functions/core')!;
    const text = [
      "import { a } from '../../queues/a';",
      "import type { B } from '../../../lib/definitions';",
      "export { c } from '../../adapters/c';",
      "const d = import('../../web/d');",
      "const e = require('../../handlers/e');",
      "import { readFileSync } from 'node:fs';",
      "import type { WebClient } from '@slack/web-api';",
      "import { f } from '../records';",
      "import { g } from '../../../common/clip';",
      "import { createHash } from 'node:crypto';",
      "import type { KnownBlock } from '@slack/types';",
    ].join('\n');
    expect(violations(core, 'functions/core/slack/example.ts', text)).toEqual([
      '../../queues/a',
      '../../../lib/definitions',
      '../../adapters/c',
      '../../web/d',
      '../../handlers/e',
      'node:fs',
      '@slack/web-api',
    ]);
  });

  it('tells a folder from a longer name that starts the same', () => {
    const web = LAYERS.find((layer) => layer.files === 'functions/web')!;
    const text = "import { x } from '../services/ports-extra';\nimport { y } from '../services/ports';";
    expect(violations(web, 'functions/web/app.ts', text)).toEqual(['../services/ports-extra']);
  });
});
