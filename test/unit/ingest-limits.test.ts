import { EVENT_LIMITS } from '../../common/event';
import { parseJsonText } from '../../common/json-text';
import { parseErrorEvent } from '../../functions/core/event-schema';
import { parseIngestBody } from '../../functions/core/ingest';
import { sampleEvent } from '../support/samples';

const newId = () => 'n'.repeat(21);

/** An event without an id whose queued body (id added) is `limit + extra` bytes. */
function sized(extra: number) {
  const base = Buffer.byteLength(JSON.stringify({ ...sampleEvent({ context: { blob: '' } }), id: newId() }));
  return sampleEvent({ context: { blob: 'x'.repeat(EVENT_LIMITS.eventBytes - base + extra) } });
}

describe('parseIngestBody checks each event as the body that will be queued', () => {
  it('accepts an event that reaches the limit exactly once its id is added, and triage accepts that body', () => {
    const result = parseIngestBody([sized(0)], newId);
    if (!result.ok) throw new Error(result.error);
    const [entry] = result.entries;
    expect(Buffer.byteLength(entry!.body)).toBe(EVENT_LIMITS.eventBytes);
    expect(entry!.id).toBe(newId());
    const again = parseErrorEvent(entry!.body);
    expect(again.ok && again.event.id).toBe(newId());
  });

  it('answers 413 naming the index when the id takes the body one byte over', () => {
    expect(parseIngestBody([sampleEvent(), sized(1)], newId)).toEqual({
      ok: false,
      status: 413,
      error: 'event too large: the limit is 256 KiB',
      issues: [{ path: '[1]', message: 'event is 262145 bytes with its id; the limit is 262144 (256 KiB)' }],
    });
  });

  it('counts multi-byte characters as the bytes they are queued as', () => {
    const event = sized(0);
    const blob = (event.context as { blob: string }).blob;
    // Two ASCII characters out, one two-byte character in: one byte over.
    const wide = { ...event, context: { blob: `${blob.slice(2)}éx` } };
    const result = parseIngestBody(wide, newId);
    expect(!result.ok && result.status).toBe(413);
    expect(!result.ok && result.issues.map((i) => i.path)).toEqual(['(event)']);
  });

  it('keeps a producer’s id, and its body as sent', () => {
    const event = sampleEvent({ id: 'given-1' });
    const result = parseIngestBody(event, newId);
    expect(result).toEqual({ ok: true, entries: [{ id: 'given-1', body: JSON.stringify(event) }] });
  });

  it('answers 400 for a non-object event, and for a bad field with its path, without a size issue', () => {
    const result = parseIngestBody([sampleEvent(), 'text', [1], { app: 'a', error: {} }], newId);
    expect(!result.ok && result.status).toBe(400);
    expect(!result.ok && result.issues.map((i) => i.path)).toEqual(['[1]', '[2]', '[3].error']);
  });
});

describe('parseJsonText', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('parses JSON up to the depth limit and refuses deeper, before parsing', () => {
    expect(parseJsonText(nested(64)).ok).toBe(true);
    expect(parseJsonText(nested(65))).toEqual({ ok: false, reason: 'JSON nested deeper than 64 levels' });
    expect(parseJsonText(nested(100_000))).toEqual({
      ok: false,
      reason: 'JSON nested deeper than 64 levels',
    });
    expect(parseJsonText(nested(3), 2).ok).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ s: `${'['.repeat(100)}\\"${'{'.repeat(100)}` });
    expect(parseJsonText(text)).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it('names the position of a syntax error but never quotes the text', () => {
    expect(parseJsonText('{"password": "hunter2" x}')).toEqual({
      ok: false,
      reason: 'body is not valid JSON (at position 23)',
    });
    expect(parseJsonText('{"a": "hunter2')).toEqual({
      ok: false,
      reason: 'body is not valid JSON (at position 14)',
    });
    const plain = parseJsonText('secret=hunter2');
    expect(plain.ok).toBe(false);
    expect(!plain.ok && plain.reason).toMatch(/^body is not valid JSON/);
    expect(!plain.ok && plain.reason).not.toMatch(/hunter2|secret/);
  });
});
