import { parseFlushBody } from '../../functions/core/flush';

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
