import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemplates, readTemplates } from '../../functions/adapters/template-files';
import { ConfigError } from '../../functions/config/error';
import { TEMPLATE_VARIABLES, templateContext } from '../../functions/core/templates/context';
import { matchTemplate, sortTemplates } from '../../functions/core/templates/match';
import { type FixTemplate, parseTemplate } from '../../functions/core/templates/parse';
import { sampleEvent } from '../support/samples';

const template = (frontMatter: string, body = 'Hi {{user.firstName}}') =>
  `---\n${frontMatter}\n---\n${body}\n`;

function parsed(text: string, file = 't.md'): FixTemplate {
  const result = parseTemplate(file, text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.template;
}

function problems(text: string) {
  const result = parseTemplate('bad.md', text);
  if (result.ok) throw new Error('expected problems');
  return result.problems.map((p) => `${p.line}: ${p.message}`);
}

describe('the shipped templates', () => {
  const { templates, problems: found } = readTemplates(join(__dirname, '../../templates'));

  it('all pass the check, with unique ids', () => {
    expect(found).toEqual([]);
    expect(templates.map((t) => t.id).sort()).toEqual([
      'card-expired',
      'plan-limit',
      'rate-limited',
      'sso-sign-in',
      'upload-too-large',
    ]);
  });

  it.each(templates.map((t) => [t.id, t]))('%s renders a complete message, with or without names', (_, t) => {
    const full = t.render(templateContext(sampleEvent()));
    expect(full).toContain('Hi Fred,');
    expect(full).not.toMatch(/\{\{|undefined|null/);
    const anonymous = t.render(templateContext(sampleEvent({ user: { id: 'u1' }, company: undefined })));
    expect(anonymous).toContain('Hi there,');
  });
});

describe('parseTemplate', () => {
  it('reads the front matter with defaults', () => {
    const t = parsed(template('id: x\nname: X\nmatch:\n  code: c1'));
    expect(t).toMatchObject({
      id: 'x',
      name: 'X',
      auto: false,
      priority: 0,
      cooldown: 86400,
      match: { code: ['c1'] },
      channel: 'inapp',
    });
    expect(t.subject).toBeUndefined();
  });

  it('names the line of a broken regex', () => {
    expect(problems(template('id: x\nname: X\nmatch:\n  message: "card (expired"'))).toEqual([
      '5: match.message: not a valid regular expression: Invalid regular expression: /card (expired/i: Unterminated group',
    ]);
  });

  it('names the body line of an unknown variable, and refuses unescaped output and helpers', () => {
    const text = template(
      'id: x\nname: X\nmatch:\n  code: c',
      'Hello\n\n{{user.nmae}}\n{{{error.message}}}\n{{lookup user "name"}}',
    );
    const found = problems(text);
    expect(found[0]).toMatch(/^9: unknown variable "user\.nmae"; known: user\.name, user\.firstName/);
    expect(found[1]).toBe('10: unescaped output {{{…}}} is not allowed: values must be escaped');
    expect(found[2]).toBe('11: helpers are not available in fix templates; use {{variable}}');
  });

  it('checks what Markdown makes of the body: a backslash cannot smuggle in raw output or a helper', () => {
    const raw = problems(template('id: x\nname: X\nmatch:\n  code: c', 'Hi \\{{{user.name}}}'));
    expect(raw).toEqual([
      '7: after Markdown: unescaped output {{{…}}} is not allowed: values must be escaped (a backslash before "{{" is read by Markdown: remove it)',
    ]);
    const helper = problems(template('id: x\nname: X\nmatch:\n  code: c', 'Hi \\{{foo user.name}}'));
    expect(helper).toEqual([
      '7: after Markdown: helpers are not available in fix templates; use {{variable}} (a backslash before "{{" is read by Markdown: remove it)',
    ]);
  });

  it('reports YAML errors, missing fields, unknown keys and bad durations with their lines', () => {
    expect(problems('---\nid: x\nname: [unclosed\n---\nbody')[0]).toMatch(/^3: YAML: /);
    expect(problems(template('id: x\nmatch:\n  code: c\ncooldown: soon\nautomatic: true'))).toEqual([
      '2: name: Invalid input: expected string, received undefined',
      '5: cooldown: "soon" is not a duration such as 24h, 30m or 7d',
      '6: unknown key "automatic"',
    ]);
    expect(problems('no front matter')).toEqual(['1: expected YAML front matter between two "---" lines']);
  });

  it('escapes every value for Intercom’s HTML body, and values cannot become Markdown', () => {
    const t = parsed(
      template('id: x\nname: X\nmatch:\n  code: c', 'Hi **{{user.name}}**, about {{error.message}}'),
    );
    const html = t.render(
      templateContext(
        sampleEvent({
          user: { name: '<img src=x onerror=alert(1)>' },
          error: { message: '[click](javascript:alert(1)) **bold** "q" & \'s\'' },
        }),
      ),
    );
    expect(html).toBe(
      '<p>Hi <strong>&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;</strong>, about ' +
        '[click](javascript:alert(1)) **bold** &quot;q&quot; &amp; &#x27;s&#x27;</p>',
    );
  });

  it('knows exactly the variables the context provides', () => {
    expect(TEMPLATE_VARIABLES).toEqual([
      'user.name',
      'user.firstName',
      'user.email',
      'user.id',
      'company.name',
      'company.plan',
      'error.type',
      'error.code',
      'error.message',
      'app',
      'environment',
      'response.within',
      'response.at',
      'response.who',
    ]);
  });

  it('accepts the response variables and renders them escaped; an unknown response.* fails', () => {
    const t = parsed(
      template(
        'id: x\nname: X\nmatch:\n  code: c',
        '{{response.who}} will reply {{response.within}} ({{response.at}}).',
      ),
    );
    const response = { within: 'within 3 hours', at: 'by Tue 09:00 <your> time', who: 'our developer team' };
    expect(t.render(templateContext(sampleEvent(), response))).toBe(
      '<p>our developer team will reply within 3 hours (by Tue 09:00 &lt;your&gt; time).</p>',
    );
    // No team file: a promise of no particular time, never an empty sentence.
    expect(t.render(templateContext(sampleEvent()))).toBe(
      '<p>our team will reply as soon as we can (as soon as we can).</p>',
    );
    expect(problems(template('id: x\nname: X\nmatch:\n  code: c', 'Soon: {{response.foo}}'))).toEqual([
      `7: unknown variable "response.foo"; known: ${TEMPLATE_VARIABLES.join(', ')}`,
    ]);
    expect(problems(template('id: x\nname: X\nmatch:\n  code: c', '{{#if response}}x{{/if}}'))).toEqual([
      `7: unknown variable "response"; known: ${TEMPLATE_VARIABLES.join(', ')}`,
    ]);
  });
});

describe('channel and subject', () => {
  const base = 'id: x\nname: X\nmatch:\n  code: c1';
  const ONE_LINE = 'must be one line of plain text: no line breaks, tabs or other control characters';
  const subjectOf = (yaml: string) => problems(template(`${base}\nchannel: email\nsubject: ${yaml}`));

  it.each([
    ['CR', '"Fixed\\r"'],
    ['LF', '"Fixed\\nBcc: x@example.com"'],
    ['tab', '"Fixed\\tnow"'],
    ['NUL', '"Fixed\\0"'],
    ['ESC', '"Fixed \\e[31m"'],
    ['U+0085 (next line)', '"Fixed\\Nnow"'],
    ['U+2028 (line separator)', '"Fixed\\Lnow"'],
    ['U+2029 (paragraph separator)', '"Fixed\\Pnow"'],
    ['DEL', '"Fixed\\x7f"'],
  ])('refuses a subject with %s in it, at the subject line', (_name, yaml) => {
    expect(subjectOf(yaml)).toEqual([`7: subject: ${ONE_LINE}`]);
  });

  it('refuses a subject that starts or ends with whitespace, and takes one with spaces inside', () => {
    const edges = '7: subject: starts or ends with whitespace: remove it';
    for (const yaml of ['" Fixed"', '"Fixed "', '"\\u00a0Fixed"', "'Fixed\u3000'"])
      expect(subjectOf(yaml)).toEqual([edges]);
    const inside = parsed(template(`${base}\nchannel: email\nsubject: "Your card  has — expired"`));
    expect(inside.subject).toBe('Your card  has — expired');
  });

  it('reads email and auto with their subject', () => {
    for (const channel of ['email', 'auto'] as const) {
      const t = parsed(template(`${base}\nchannel: ${channel}\nsubject: Your card has expired`));
      expect([t.channel, t.subject]).toEqual([channel, 'Your card has expired']);
    }
  });

  it('refuses email and auto without a subject, at the channel line, naming the field', () => {
    for (const channel of ['email', 'auto'])
      expect(problems(template(`${base}\nchannel: ${channel}`))).toEqual([
        '6: channel: email and auto may send an email, which needs a subject line: add `subject: …`',
      ]);
  });

  it('refuses a subject on an in-app template, said or by default, at its line', () => {
    const refused = 'subject: only an email has one: remove it, or set `channel: email` or `channel: auto`';
    expect(problems(template(`${base}\nsubject: Hello`))).toEqual([`6: ${refused}`]);
    expect(problems(template(`${base}\nchannel: inapp\nsubject: Hello`))).toEqual([`7: ${refused}`]);
  });

  it('refuses an unknown channel and a blank, multi-line, long or templated subject', () => {
    expect(problems(template(`${base}\nchannel: sms`))).toEqual([
      '6: channel: Invalid option: expected one of "inapp"|"email"|"auto"',
    ]);
    const subject = (text: string) => problems(template(`${base}\nchannel: email\nsubject: ${text}`));
    expect(subject('"  "')).toEqual(['7: subject: empty — give the email a subject line']);
    expect(subject('"a\\nb"')).toEqual([`7: subject: ${ONE_LINE}`]);
    expect(subject('x'.repeat(151))).toEqual(['7: subject: longer than 150 characters']);
    expect(subject('"Hi {{user.name}}"')).toEqual([
      '7: subject: variables are not available in the subject, only in the body',
    ]);
  });
});

describe('matching', () => {
  const make = (file: string, fm: string) =>
    parsed(template(`id: ${file}\nname: ${file}\n${fm}`), `${file}.md`);

  it('needs every given condition; code and type match anywhere in the cause chain', () => {
    const t = make('a', 'match:\n  code: card_expired\n  app: billing\n  level: [error, fatal]');
    const wrapped = sampleEvent({
      error: { type: 'ChargeError', message: 'x', cause: { code: 'card_expired' } },
    });
    expect(matchTemplate([t], wrapped)?.id).toBe('a');
    expect(matchTemplate([t], { ...wrapped, app: 'shop' })).toBeUndefined();
    expect(matchTemplate([t], { ...wrapped, level: 'warning' })).toBeUndefined();
    expect(matchTemplate([t], sampleEvent({ error: { message: 'x', code: 'other' } }))).toBeUndefined();
  });

  it('matches the message case-insensitively by regex', () => {
    const t = make('m', 'match:\n  message: "quota .* exceeded"');
    expect(matchTemplate([t], sampleEvent({ error: { message: 'Quota for seats exceeded' } }))?.id).toBe('m');
  });

  it('takes the first match by priority, then file name', () => {
    const low = make('b-low', 'match:\n  code: c');
    const alsoLow = make('a-low', 'match:\n  code: c');
    const high = make('z-high', 'priority: 5\nmatch:\n  code: c');
    const sorted = sortTemplates([low, alsoLow, high]);
    expect(sorted.map((t) => t.id)).toEqual(['z-high', 'a-low', 'b-low']);
    expect(matchTemplate(sorted, sampleEvent({ error: { message: 'x', code: 'c' } }))?.id).toBe('z-high');
  });
});

describe('readTemplates', () => {
  it('reports duplicate ids with the file and line of the second', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    writeFileSync(join(dir, 'a.md'), template('id: same\nname: A\nmatch:\n  code: c'));
    writeFileSync(join(dir, 'b.md'), template('name: B\nid: same\nmatch:\n  code: c'));
    const { templates, problems: found } = readTemplates(dir);
    expect(templates).toHaveLength(1);
    expect(found).toEqual([
      {
        file: expect.stringMatching(/b\.md$/),
        line: 3,
        message: expect.stringMatching(/^duplicate id "same": .*a\.md has it too$/),
      },
    ]);
  });
});

describe('loadTemplates', () => {
  it('stops a function at start with the first problem, as a configuration error of HEADSUP_TEMPLATES', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    writeFileSync(join(dir, 'bad.md'), template('id: x\nname: X\nmatch:\n  code: c\ncooldown: soon'));
    expect(() => loadTemplates(dir)).toThrow(ConfigError);
    expect(() => loadTemplates(dir)).toThrow(
      /^Configuration error: HEADSUP_TEMPLATES \S*bad\.md:6: cooldown: "soon" is not a duration such as 24h, 30m or 7d$/,
    );
  });
});
