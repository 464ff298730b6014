import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/error';
import { templatesDir } from '../config/settings';
import type { CompiledTemplate } from '../core/templates/compiled';
import { sortTemplates } from '../core/templates/match';
import {
  type CheckedTemplate,
  checkTemplate,
  compileTemplate,
  type FixTemplate,
  precompileTemplate,
  type TemplateProblem,
} from '../core/templates/parse';
import { shownPath } from './compiled-templates';

export type LoadedTemplates = { templates: FixTemplate[]; problems: TemplateProblem[] };

/** A template file that passed the check, with its name in the folder and as shown. */
type CheckedFile = CheckedTemplate & { fileName: string; file: string };

/** Reads every `*.md` in a folder as a fix template; problems (with file and line) instead of throwing. */
export function readTemplates(dir: string): LoadedTemplates {
  const { checked, problems } = checkFolder(dir);
  return { templates: sortTemplates(checked.map((t) => compileTemplate(t, t.file))), problems };
}

/** Every `*.md` of a folder checked, in file-name order; a second file with an id already seen is a problem. */
function checkFolder(dir: string): { checked: CheckedFile[]; problems: TemplateProblem[] } {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.md'))
      .sort();
  } catch (err) {
    return {
      checked: [],
      problems: [{ file: dir, line: 0, message: `cannot read the folder: ${(err as Error).message}` }],
    };
  }
  const checked: CheckedFile[] = [];
  const problems: TemplateProblem[] = [];
  const seen = new Map<string, string>();
  for (const fileName of names) {
    const file = shownPath(dir, fileName);
    const text = readFileSync(join(dir, fileName), 'utf8');
    const result = checkTemplate(file, text);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const { id } = result.frontMatter;
    const first = seen.get(id);
    if (first) {
      const line = text.split('\n').findIndex((l) => /^id\s*:/.test(l)) + 1;
      problems.push({ file, line, message: `duplicate id "${id}": ${first} has it too` });
      continue;
    }
    seen.set(id, file);
    const { frontMatter, html, promises } = result;
    checked.push({ frontMatter, html, promises, fileName, file });
  }
  return { checked, problems };
}

export function formatProblem(p: TemplateProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}

/** For start-up: a broken template stops the function with one line, never a wrong message later. */
export function loadTemplates(dir: string): FixTemplate[] {
  const { templates, problems } = readTemplates(dir);
  if (problems.length > 0) throw problemsError(problems);
  return templates;
}

function problemsError(problems: TemplateProblem[]): ConfigError {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more: run headsup templates check)` : '';
  return ConfigError.forVariable(templatesDir.env, `${formatProblem(problems[0]!)}${more}`);
}

/**
 * The folder's templates precompiled, as the source of a CommonJS module that `loadCompiledTemplates`
 * reads (its COMPILED_TEMPLATES_FILE): written into the triage and notify bundles when they are built.
 * A broken template throws as it would stop the function, so it fails the build instead.
 */
export function precompileTemplates(dir: string): string {
  const { checked, problems } = checkFolder(dir);
  if (problems.length > 0) throw problemsError(problems);
  const entries = checked.map(({ frontMatter, html, promises, fileName }) => {
    const fields = { fileName, promises, ...frontMatter } satisfies Omit<CompiledTemplate, 'spec'>;
    return `  {${fieldsSource(fields)}, "spec": ${precompileTemplate({ frontMatter, html, promises })}}`;
  });
  return [
    '// Fix templates precompiled from the *.md files beside this one, when the function was bundled.',
    "'use strict';",
    `module.exports = [\n${entries.join(',\n')}\n];`,
    '',
  ].join('\n');
}

/** JavaScript source of a front matter value: JSON, but for a `match.message` regular expression. */
function sourceOf(value: unknown): string {
  if (value instanceof RegExp)
    return `new RegExp(${JSON.stringify(value.source)}, ${JSON.stringify(value.flags)})`;
  if (Array.isArray(value)) return `[${value.map(sourceOf).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return `{${fieldsSource(value)}}`;
  return JSON.stringify(value);
}

/** An object's fields as source, without the braces; an undefined one is left out, as JSON would. */
function fieldsSource(value: object): string {
  const fields = Object.entries(value).filter(([, v]) => v !== undefined);
  return fields.map(([key, v]) => `${JSON.stringify(key)}: ${sourceOf(v)}`).join(', ');
}
