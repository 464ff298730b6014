import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from '../config/error';
import { templatesDir } from '../config/settings';
import { sortTemplates } from '../core/templates/match';
import { type FixTemplate, parseTemplate, type TemplateProblem } from '../core/templates/parse';

export type LoadedTemplates = { templates: FixTemplate[]; problems: TemplateProblem[] };

/** Reads every `*.md` in a folder as a fix template; problems (with file and line) instead of throwing. */
export function readTemplates(dir: string): LoadedTemplates {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.md'))
      .sort();
  } catch (err) {
    return {
      templates: [],
      problems: [{ file: dir, line: 0, message: `cannot read the folder: ${(err as Error).message}` }],
    };
  }
  const templates: FixTemplate[] = [];
  const problems: TemplateProblem[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, name);
    const file = relative(process.cwd(), path) || path;
    const text = readFileSync(path, 'utf8');
    const parsed = parseTemplate(file, text);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    const { id } = parsed.template;
    const first = seen.get(id);
    if (first) {
      const line = text.split('\n').findIndex((l) => /^id\s*:/.test(l)) + 1;
      problems.push({ file, line, message: `duplicate id "${id}": ${first} has it too` });
      continue;
    }
    seen.set(id, file);
    templates.push(parsed.template);
  }
  return { templates: sortTemplates(templates), problems };
}

export function formatProblem(p: TemplateProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}

/** For start-up: a broken template stops the function with one line, never a wrong message later. */
export function loadTemplates(dir: string): FixTemplate[] {
  const { templates, problems } = readTemplates(dir);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more: run headsup templates check)` : '';
    throw ConfigError.forVariable(templatesDir.env, `${formatProblem(problems[0]!)}${more}`);
  }
  return templates;
}
