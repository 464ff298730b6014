import { EVENT_LIMITS, parseErrorEvent } from '../../functions/core/event-schema';

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
