import Handlebars from 'handlebars';
import MarkdownIt from 'markdown-it';
import { LineCounter, parseDocument } from 'yaml';
import type { core } from '../zod';
import { TEMPLATE_VARIABLES, type TemplateContext } from './context';
import { type FrontMatter, frontMatterSchema } from './front-matter';

export type FixTemplate = FrontMatter & {
  file: string;
  /** The message body as HTML, every variable HTML-escaped. */
  render: (context: TemplateContext) => string;
  /** It promises a reply by a time (`response.within` or `response.at`): recorded with the message sent. */
  promises: boolean;
};

export type TemplateProblem = { file: string; line: number; message: string };

export type ParsedTemplate = { ok: true; template: FixTemplate } | { ok: false; problems: TemplateProblem[] };

/**
 * A template that passed every check: its front matter, its body as HTML with the variables still in,
 * and whether the body promises a reply by a time (`response.within` or `response.at`).
 */
export type CheckedTemplate = { frontMatter: FrontMatter; html: string; promises: boolean };

export type CheckedSource = ({ ok: true } & CheckedTemplate) | { ok: false; problems: TemplateProblem[] };

/** Only these block helpers: templates stay readable and cannot reach anything but the variables. */
const BLOCK_HELPERS = new Set(['if', 'unless']);

/**
 * How the variables are compiled: the block helpers above only, nothing looked up by name at run time.
 * The same for a template compiled where it is read and for one precompiled when a function is bundled.
 */
const COMPILE_OPTIONS = {
  knownHelpers: { if: true, unless: true },
  knownHelpersOnly: true,
  strict: false,
} as const satisfies CompileOptions;

const handlebars = Handlebars.create();
const markdown = new MarkdownIt({ html: true, linkify: false, typographer: false });

/**
 * Parses one template file: YAML front matter between `---` lines, then a Markdown body with
 * `{{variables}}`. Every problem is reported with its line, none stops at the first.
 */
export function parseTemplate(file: string, text: string): ParsedTemplate {
  const checked = checkTemplate(file, text);
  return checked.ok ? { ok: true, template: compileTemplate(checked, file) } : checked;
}

/** A checked template with its render function, shown as `file`. */
export function compileTemplate({ frontMatter, html, promises }: CheckedTemplate, file: string): FixTemplate {
  const render = handlebars.compile(html, COMPILE_OPTIONS);
  return { ...frontMatter, file, promises, render: (context) => render(context).trim() };
}

/**
 * The render function of a checked template as JavaScript source (Handlebars' precompiled form), for
 * `handlebars/runtime` to run: a bundled function then loads neither the compiler, Markdown nor YAML.
 */
export function precompileTemplate(checked: CheckedTemplate): string {
  // Typed as the specification it evaluates to; what it returns is that object's source text.
  return String(handlebars.precompile(checked.html, COMPILE_OPTIONS));
}

/** What `parseTemplate` checks, and the body turned into HTML: the part that needs YAML and Markdown. */
export function checkTemplate(file: string, text: string): CheckedSource {
  const split = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!split) {
    return {
      ok: false,
      problems: [{ file, line: 1, message: 'expected YAML front matter between two "---" lines' }],
    };
  }
  const frontMatterFirstLine = 2;
  const bodyFirstLine = split[0].split('\n').length;
  const body = text.slice(split[0].length);
  const problems: TemplateProblem[] = [];
  const at = (line: number, message: string) => problems.push({ file, line, message });

  const lines = new LineCounter();
  const doc = parseDocument(split[1]!, { lineCounter: lines, prettyErrors: false });
  const lineOf = (offset: number | undefined) =>
    (offset === undefined ? 1 : lines.linePos(offset).line) + frontMatterFirstLine - 1;
  for (const error of doc.errors) at(lineOf(error.pos[0]), `YAML: ${error.message.split('\n')[0]}`);

  let frontMatter: FrontMatter | undefined;
  if (doc.errors.length === 0) {
    const result = frontMatterSchema.safeParse(doc.toJS());
    if (result.success) frontMatter = result.data;
    for (const p of issueProblems(doc, result.success ? [] : result.error.issues, '(front matter)'))
      at(lineOf(p.offset), p.message);
  }

  for (const problem of checkBody(body).problems) at(problem.line + bodyFirstLine - 1, problem.message);
  if (body.trim() === '') at(bodyFirstLine, 'the message body is empty');
  if (problems.length > 0 || !frontMatter) return { ok: false, problems };

  // Markdown first, variables after: a value can never be read as Markdown or HTML.
  const html = markdown.render(body);
  // Markdown's backslash escapes can make an expression of text (`\{{{x}}}` becomes a raw `{{{x}}}`):
  // what gets compiled is checked, and compiled, here too, so no template passes that would not run.
  const { problems: compiled, variables } = checkBody(html);
  if (compiled.length === 0) {
    try {
      handlebars.precompile(html, COMPILE_OPTIONS);
    } catch (err) {
      compiled.push({ line: 1, message: `template syntax: ${(err as Error).message.split('\n')[0]}` });
    }
  }
  if (compiled.length > 0) {
    return {
      ok: false,
      problems: compiled.map((p) => ({
        file,
        line: bodyFirstLine,
        message: `after Markdown: ${p.message} (a backslash before "{{" is read by Markdown: remove it)`,
      })),
    };
  }
  return {
    ok: true,
    frontMatter,
    html,
    promises: variables.has('response.within') || variables.has('response.at'),
  };
}

/**
 * Schema issues of a YAML document as messages at the offset of the node they are about (undefined:
 * the document's start): `path: message`, `whole` naming the empty path; each unknown key on its own.
 */
export function issueProblems(
  doc: ReturnType<typeof parseDocument>,
  issues: readonly core.$ZodIssue[],
  whole: string,
): { offset: number | undefined; message: string }[] {
  return issues.flatMap((issue) => {
    const path = issue.path as (string | number)[];
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({
        offset: nodeOffset(doc, [...path, key]),
        message: `unknown key "${[...path, key].join('.')}"`,
      }));
    return [{ offset: nodeOffset(doc, path), message: `${path.join('.') || whole}: ${issue.message}` }];
  });
}

/** The start offset of the YAML node at `path`, or of its nearest existing parent. */
function nodeOffset(doc: ReturnType<typeof parseDocument>, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return node.range[0];
    const pair = n > 0 ? findKey(doc, path.slice(0, n)) : undefined;
    if (pair !== undefined) return pair;
  }
  return undefined;
}

/** The offset of a key itself (for a key whose value is empty or wrong in type). */
function findKey(doc: ReturnType<typeof parseDocument>, path: (string | number)[]): number | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const items = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] })
    ?.items;
  return items?.find((i) => i.key?.value === path.at(-1))?.key?.range?.[0];
}

type BodyProblem = { line: number; message: string };

/**
 * Variables must be known, output must be escaped, and only `if`/`unless` blocks are allowed; answers
 * the problems and the variables the body reads.
 */
function checkBody(body: string): { problems: BodyProblem[]; variables: Set<string> } {
  const variables = new Set<string>();
  let program: hbs.AST.Program;
  try {
    program = handlebars.parse(body);
  } catch (err) {
    const e = err as { lineNumber?: number; message: string };
    const message = `template syntax: ${e.message.split('\n')[0]}`;
    return { problems: [{ line: e.lineNumber ?? 1, message }], variables };
  }
  const problems: BodyProblem[] = [];
  const variable = (path: hbs.AST.PathExpression, line: number) => {
    variables.add(path.original);
    if (!TEMPLATE_VARIABLES.includes(path.original)) {
      problems.push({
        line,
        message: `unknown variable "${path.original}"; known: ${TEMPLATE_VARIABLES.join(', ')}`,
      });
    }
  };
  const walk = (node: hbs.AST.Program | undefined) => {
    for (const statement of node?.body ?? []) {
      const line = statement.loc.start.line;
      if (statement.type === 'MustacheStatement') {
        const m = statement as hbs.AST.MustacheStatement;
        if (!m.escaped)
          problems.push({ line, message: 'unescaped output {{{…}}} is not allowed: values must be escaped' });
        if (m.params.length > 0 || m.path.type !== 'PathExpression') {
          problems.push({ line, message: 'helpers are not available in fix templates; use {{variable}}' });
        } else variable(m.path as hbs.AST.PathExpression, line);
      } else if (statement.type === 'BlockStatement') {
        const b = statement as hbs.AST.BlockStatement;
        const helper = (b.path as hbs.AST.PathExpression).original;
        const param = b.params[0];
        if (!BLOCK_HELPERS.has(helper) || b.params.length !== 1 || param?.type !== 'PathExpression') {
          problems.push({
            line,
            message: `only {{#if variable}} and {{#unless variable}} blocks are allowed`,
          });
        } else variable(param as hbs.AST.PathExpression, line);
        walk(b.program);
        walk(b.inverse);
      } else if (statement.type === 'PartialStatement' || statement.type === 'PartialBlockStatement') {
        problems.push({ line, message: 'partials are not available in fix templates' });
      }
    }
  };
  walk(program);
  return { problems, variables };
}
