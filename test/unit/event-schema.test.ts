import { EVENT_LIMITS } from '../../common/event';
import { parseJsonText } from '../../common/json-text';
import { parseErrorEvent } from '../../functions/core/event-schema';

const valid = { app: 'billing', error: { type: 'CardExpiredError', message: 'card expired' } };

describe('parseErrorEvent', () => {
  it('applies defaults and turns numeric ids into strings', () => {
    const result = parseErrorEvent({ ...valid, user: { id: 42 }, company: { id: 7 }, tags: { retry: 3 } });
    if (!result.ok) throw new Error(result.reason);
    expect(result.event.environment).toBe('production');
    expect(result.event.level).toBe('error');
    expect(result.event.user?.id).toBe('42');
    expect(result.event.company?.id).toBe('7');
    expect(result.event.tags?.retry).toBe('3');
  });

  it('names each bad field by path', () => {
    const result = parseErrorEvent({ error: { code: 'x'.repeat(101) }, level: 'panic' });
    if (result.ok) throw new Error('expected a failure');
    const paths = result.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['app', 'level', 'error.code', 'error']));
    expect(result.issues.find((i) => i.path === 'error')?.message).toBe('either type or message is required');
    expect(result.reason).toContain('app:');
    // zod/mini says only "Invalid input" unless functions/core/zod.ts has set up its English messages.
    expect(result.issues.find((i) => i.path === 'app')?.message).toBe(
      'Invalid input: expected string, received undefined',
    );
  });

  it('takes user.timezone as an IANA zone, stored canonical, and drops one it does not know, keeping the event', () => {
    const ok = parseErrorEvent({ ...valid, user: { id: 'u1', timezone: 'america/toronto' } });
    if (!ok.ok) throw new Error(ok.reason);
    expect(ok.event.user?.timezone).toBe('America/Toronto');
    for (const zone of [
      'Mars/Olympus',
      '+02:00',
      'Eastern Time (US & Canada)',
      `Europe/${'x'.repeat(100_000)}`,
      '',
    ]) {
      const kept = parseErrorEvent({ ...valid, user: { id: 'u1', timezone: zone } });
      if (!kept.ok) throw new Error(`refused ${zone.slice(0, 40)}: ${kept.reason}`);
      expect(kept.event.user).toEqual({ id: 'u1' });
    }
    const bad = parseErrorEvent({ ...valid, user: { timezone: 3 } });
    if (bad.ok) throw new Error('accepted a number');
    expect(bad.issues).toEqual([
      { path: 'user.timezone', message: 'Invalid input: expected string, received number' },
    ]);
  });

  it('rejects a body over 256 KiB by its UTF-8 size', () => {
    // 2-byte characters: under the limit in characters, over it in bytes.
    const body = JSON.stringify({
      ...valid,
      error: { message: 'é'.repeat(EVENT_LIMITS.eventBytes / 2 + 10) },
    });
    expect(body.length).toBeLessThan(EVENT_LIMITS.eventBytes + 100);
    const result = parseErrorEvent(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/bytes; the limit is 262144 bytes/);
  });

  it('answers non-JSON and non-object bodies with a reason', () => {
    const notJson = parseErrorEvent('{"app":');
    expect(!notJson.ok && notJson.reason).toMatch(/not valid JSON/);
    const array = parseErrorEvent('[1,2]');
    expect(!array.ok && array.reason).toBe('an event must be a JSON object');
  });

  it('keeps five causes and drops deeper ones instead of rejecting the event', () => {
    let error: Record<string, unknown> = { message: 'level 12' };
    for (let i = 11; i >= 0; i--) error = { message: `level ${i}`, cause: error };
    const result = parseErrorEvent(JSON.stringify({ app: 'a', error }));
    if (!result.ok) throw new Error(result.reason);
    let depth = 0;
    for (let e = result.event.error.cause; e; e = e.cause) depth++;
    expect(depth).toBe(EVENT_LIMITS.causeDepth);
  });

  it('validates the cause chain with the same rules', () => {
    const result = parseErrorEvent({ app: 'a', error: { message: 'top', cause: { code: 'E1' } } });
    expect(!result.ok && result.issues.map((i) => i.path)).toEqual(['error.cause']);
  });

  it('accepts ISO-8601 timestamps with offsets and rejects other dates', () => {
    expect(parseErrorEvent({ ...valid, occurredAt: '2026-11-21T09:00:00+01:00' }).ok).toBe(true);
    expect(parseErrorEvent({ ...valid, occurredAt: 'yesterday' }).ok).toBe(false);
  });
});

describe('parseJsonText', () => {
  it('parses JSON', () => {
    expect(parseJsonText('{"a":[1,{"b":"]]}"}]}')).toEqual({ ok: true, value: { a: [1, { b: ']]}' }] } });
  });

  it('refuses deep nesting before parsing, not counting brackets inside strings', () => {
    expect(parseJsonText(`${'['.repeat(65)}${']'.repeat(65)}`)).toEqual({
      ok: false,
      reason: 'JSON nested deeper than 64 levels',
    });
    expect(parseJsonText(`${'['.repeat(64)}${']'.repeat(64)}`).ok).toBe(true);
    expect(parseJsonText(`["${'[\\"'.repeat(100)}"]`).ok).toBe(true);
    expect(parseJsonText('[[[', 2)).toEqual({ ok: false, reason: 'JSON nested deeper than 2 levels' });
  });

  it('never quotes the body in its reason', () => {
    for (const body of [
      '{"password":"hunter2" x}',
      '{"password":"hunter2"',
      'hunter2',
      '{"a":"position 99" x}',
    ]) {
      const result = parseJsonText(body);
      if (result.ok) throw new Error('expected a failure');
      expect(result.reason).toMatch(/^body is not valid JSON( \(at position \d+\))?$/);
      expect(result.reason).not.toContain('hunter2');
      expect(result.reason).not.toContain('99');
    }
    expect(parseJsonText('{"a":1 x}')).toEqual({
      ok: false,
      reason: 'body is not valid JSON (at position 7)',
    });
  });

  it('is what parseErrorEvent uses for text', () => {
    const deep = parseErrorEvent(`{"app":"a","error":{"message":"m"},"context":{"x":${'['.repeat(100)}}}`);
    expect(!deep.ok && deep.reason).toBe('JSON nested deeper than 64 levels');
    const bad = parseErrorEvent('{"app":"a","password":"hunter2" oops}');
    expect(!bad.ok && bad.reason).toMatch(/^body is not valid JSON/);
    expect(!bad.ok && bad.reason).not.toContain('hunter2');
  });
});
