import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { COMPILED_TEMPLATES_FILE, loadCompiledTemplates } from '../../functions/adapters/compiled-templates';
import { precompileTemplates, readTemplates } from '../../functions/adapters/template-files';
import { ConfigError } from '../../functions/config/error';
import { templateContext } from '../../functions/core/templates/context';
import type { FixTemplate } from '../../functions/core/templates/parse';
import { sampleEvent } from '../support/samples';

const TEMPLATES = join(__dirname, '../../templates');

/** A folder holding `files` and the precompiled form of its templates, as a bundle's. */
function bundledFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'compiled-templates-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, COMPILED_TEMPLATES_FILE), precompileTemplates(dir));
  return dir;
}

const withoutRender = ({ render: _, ...rest }: FixTemplate) => rest;

const EVENTS = {
  full: sampleEvent(),
  anonymous: sampleEvent({ user: { id: 'u1' }, company: undefined }),
  // Values that must come out escaped, never as markup.
  hostile: sampleEvent({
    user: { id: 'u2', name: '<script>alert(1)</script> "Bob" & co', email: "o'neil@example.com" },
    company: { id: 'c', name: '**bold** {{user.email}}', plan: '<b>pro</b>' },
  }),
};

describe('the shipped templates, precompiled as a bundle carries them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'compiled-templates-'));
  writeFileSync(join(dir, COMPILED_TEMPLATES_FILE), precompileTemplates(TEMPLATES));
  const compiled = loadCompiledTemplates(dir);
  const { templates: parsed } = readTemplates(TEMPLATES);

  it('are the templates parsing them gives, in the same order', () => {
    expect(compiled.map((t) => t.id)).toEqual(parsed.map((t) => t.id));
    // Each shown in the folder it was loaded from, where its `*.md` file is beside it in a bundle.
    expect(compiled.map((t) => t.file)).toEqual(
      parsed.map((t) => relative(process.cwd(), join(dir, basename(t.file)))),
    );
    const comparable = (t: FixTemplate) => ({ ...withoutRender(t), file: basename(t.file) });
    expect(compiled.map(comparable)).toEqual(parsed.map(comparable));
  });

  it.each(parsed.map((t, i) => [t.id, t, i] as const))('%s renders exactly as parsed', (_, t, i) => {
    for (const event of Object.values(EVENTS)) {
      expect(compiled[i]!.render(templateContext(event))).toBe(t.render(templateContext(event)));
    }
  });
});

describe('precompileTemplates', () => {
  it('keeps a match.message expression and the defaults', () => {
    const text = '---\nid: m\nname: M\nmatch:\n  message: "quota .* it\'s \\\\d+"\n---\nHi {{user.name}}\n';
    const [t] = loadCompiledTemplates(bundledFolder({ 'm.md': text }));
    expect(t).toMatchObject({ id: 'm', priority: 0, auto: false, cooldown: 86400 });
    expect(t!.match.message).toEqual(/quota .* it's \d+/i);
    expect(t!.channel).toBe('inapp');
  });

  it('keeps the channel and the subject: a bundled function sends the email the file describes', () => {
    const subject = 'Your card "ending 4242" has expired — fix it';
    const text = `---\nid: e\nname: E\nmatch:\n  code: c\nchannel: auto\nsubject: '${subject}'\n---\nHi\n`;
    const [t] = loadCompiledTemplates(bundledFolder({ 'e.md': text }));
    expect([t!.channel, t!.subject]).toEqual(['auto', subject]);
  });

  it('keeps whether a template promises a reply by a time (response.within/at, also only in an {{#if}}), so it is recorded', () => {
    const head = (id: string) => `---\nid: ${id}\nname: ${id}\nmatch:\n  code: ${id}\n---\n`;
    const files = {
      'a.md': `${head('a')}We reply {{response.within}}.\n`,
      'b.md': `${head('b')}{{#if response.at}}Soon{{/if}}\n`,
      'c.md': `${head('c')}Hi {{user.name}}, {{error.message}}\n`,
      // Who, without a time: nothing to hold the team to.
      'd.md': `${head('d')}{{response.who}} will look into it.\n`,
    };
    const compiled = loadCompiledTemplates(bundledFolder(files));
    expect(compiled.map((t) => [t.id, t.promises])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
      ['d', false],
    ]);
  });

  it('refuses a broken template as starting the function would, so the build fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compiled-templates-'));
    writeFileSync(join(dir, 'bad.md'), '---\nid: x\nname: X\nmatch:\n  code: c\ncooldown: soon\n---\nHi\n');
    expect(() => precompileTemplates(dir)).toThrow(ConfigError);
    expect(() => precompileTemplates(dir)).toThrow(
      /^Configuration error: HEADSUP_TEMPLATES \S*bad\.md:6: cooldown: "soon" is not a duration such as 24h, 30m or 7d$/,
    );
  });
});

describe('loadCompiledTemplates', () => {
  it('stops a function whose folder holds no precompiled templates, as a configuration error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compiled-templates-'));
    expect(() => loadCompiledTemplates(dir)).toThrow(
      /^Configuration error: HEADSUP_TEMPLATES cannot load \S*compiled\.cjs: Cannot find module/,
    );
  });

  it('names the file when an entry is no template of this Handlebars version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compiled-templates-'));
    const entry = { id: 'x', name: 'X', fileName: 'x.md', spec: { compiler: [5, '>= 2.0.0'] } };
    writeFileSync(join(dir, COMPILED_TEMPLATES_FILE), `module.exports = [${JSON.stringify(entry)}];`);
    expect(() => loadCompiledTemplates(dir)).toThrow(
      /^Configuration error: HEADSUP_TEMPLATES \S*compiled\.cjs holds a template that does not load: /,
    );
  });
});
