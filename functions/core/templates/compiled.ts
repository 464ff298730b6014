import Handlebars from 'handlebars/runtime';
import type { TemplateContext } from './context';
import type { FrontMatter } from './front-matter';
import type { FixTemplate } from './parse';

/**
 * A fix template as precompiled when its function was bundled: the front matter as checked, the name of
 * the file it came from, its render function in Handlebars' precompiled form, and whether it promises
 * a reply.
 */
export type CompiledTemplate = FrontMatter & {
  fileName: string;
  spec: TemplateSpecification;
  promises: boolean;
};

/** Handlebars' runtime alone: all a precompiled template needs, without the compiler. */
const runtime = Handlebars.create();

/** The template `parseTemplate` would have made of the same file, shown as `file`. */
export function fromCompiled(
  { fileName: _, spec, ...frontMatter }: CompiledTemplate,
  file: string,
): FixTemplate {
  const render = runtime.template<TemplateContext>(spec);
  return { ...frontMatter, file, render: (context) => render(context).trim() };
}
