import { join, relative, resolve } from 'node:path';
import { ConfigError } from '../config/error';
import { templatesDir } from '../config/settings';
import { type CompiledTemplate, fromCompiled } from '../core/templates/compiled';
import { sortTemplates } from '../core/templates/match';
import type { FixTemplate } from '../core/templates/parse';

/** In a bundled function's templates folder, beside the `*.md` files it was made from. */
export const COMPILED_TEMPLATES_FILE = 'compiled.cjs';

/** How a template file is named in problems and on a template: relative to the working directory. */
export function shownPath(dir: string, fileName: string): string {
  const path = join(dir, fileName);
  return relative(process.cwd(), path) || path;
}

/**
 * The fix templates of a bundled function (triage, notify), precompiled from the folder's `*.md` files
 * when the bundle was built (lib/headsup.ts), which also checked them: a cold start then loads only
 * Handlebars' runtime, not YAML, Markdown and the template compiler (about 350 KiB and 50 ms).
 */
export function loadCompiledTemplates(dir: string): FixTemplate[] {
  const path = resolve(dir, COMPILED_TEMPLATES_FILE);
  let compiled: unknown;
  try {
    // A file of the function's own bundle, trusted as index.js is; a module, so nothing is eval'd.
    compiled = require(path);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw ConfigError.forVariable(
      templatesDir.env,
      `cannot load ${shownPath(dir, COMPILED_TEMPLATES_FILE)}: ${reason}`,
    );
  }
  if (!Array.isArray(compiled)) {
    throw ConfigError.forVariable(
      templatesDir.env,
      `${shownPath(dir, COMPILED_TEMPLATES_FILE)} holds no templates`,
    );
  }
  try {
    return sortTemplates(
      (compiled as CompiledTemplate[]).map((template) =>
        fromCompiled(template, shownPath(dir, template.fileName)),
      ),
    );
  } catch (err) {
    // An entry of another Handlebars version, or not a template at all: named, not thrown raw.
    const reason = (err as Error).message.split('\n')[0];
    throw ConfigError.forVariable(
      templatesDir.env,
      `${shownPath(dir, COMPILED_TEMPLATES_FILE)} holds a template that does not load: ${reason}`,
    );
  }
}
