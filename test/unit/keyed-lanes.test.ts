import { parseFlushBody } from '../../functions/core/flush';
import { KeyedLanes } from '../../functions/core/keyed-lanes';

describe('KeyedLanes', () => {
  it('runs work of one key in order, one at a time, and other keys alongside', async () => {
    const lanes = new KeyedLanes();
    const log: string[] = [];
    const step = (name: string, ms: number) => async () => {
      log.push(`${name} start`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      lanes.run('a', step('a1', 30)),
      lanes.run('a', step('a2', 1)),
      lanes.run('b', step('b1', 1)),
    ]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
    expect(log.indexOf('b1 end')).toBeLessThan(log.indexOf('a1 end'));
    expect(lanes.size).toBe(0);
  });

  it('keeps a lane going after a failure, which stays its caller’s', async () => {
    const lanes = new KeyedLanes();
    const failed = lanes.run('k', async () => {
      throw new Error('boom');
    });
    const next = lanes.run('k', async () => 'still runs');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('still runs');
  });
});

describe('parseFlushBody', () => {
  const fingerprint = '0123456789abcdef0123456789abcdef';
  const token = '6f1c1f8e-3b4a-4c2d-9e5f-0a1b2c3d4e5f';

  it('reads only the exact shape triage queues', () => {
    expect(parseFlushBody(JSON.stringify({ fingerprint, token }))).toEqual({ fingerprint, token });
    expect(parseFlushBody(JSON.stringify({ fingerprint }))).toBeUndefined();
    expect(parseFlushBody(JSON.stringify({ fingerprint, token, app: 'x' }))).toBeUndefined();
    expect(parseFlushBody(JSON.stringify({ fingerprint: 'not-hex', token }))).toBeUndefined();
    expect(parseFlushBody('{')).toBeUndefined();
    expect(parseFlushBody(JSON.stringify({ app: 'billing', error: { message: 'x' } }))).toBeUndefined();
  });
});
