import { Hono } from 'hono';
import { ingestKeyAuth } from '../../functions/web/middleware/ingest-key';

const KEYS = ['ingest-key-0123456789', 'k!y#with$symbols%0123'];
const REFUSAL = { error: 'missing or wrong ingest key: send "Authorization: Bearer <ingest key>"' };

/** A throwaway app behind the middleware; records each key it was asked about. */
function keyedApp() {
  const asked: string[] = [];
  let handled = 0;
  const app = new Hono();
  const verifyToken = (key: string) => {
    asked.push(key);
    return KEYS.includes(key);
  };
  app.post('/in', ingestKeyAuth({ verifyToken }), (c) => {
    handled++;
    return c.text('in');
  });
  const post = (authorization?: string) =>
    app.request('/in', { method: 'POST', headers: authorization ? { authorization } : {}, body: '{}' });
  return { post, asked, handled: () => handled };
}

describe('ingestKeyAuth middleware', () => {
  it('lets a known key through, however the scheme is spelled or spaced', async () => {
    const { post, asked, handled } = keyedApp();
    for (const header of [
      `Bearer ${KEYS[0]}`,
      `bearer ${KEYS[0]}`,
      `Bearer\t${KEYS[0]}`,
      // Outside RFC 6750's token characters, which hono/bearer-auth refuses before asking verifyToken.
      `Bearer ${KEYS[1]}`,
    ]) {
      const res = await post(header);
      expect([res.status, await res.text()]).toEqual([200, 'in']);
    }
    expect(asked).toEqual([KEYS[0], KEYS[0], KEYS[0], KEYS[1]]);
    expect(handled()).toBe(4);
  });

  it('answers 401 with the challenge to a missing, wrong or unprefixed key, before the handler', async () => {
    const { post, asked, handled } = keyedApp();
    for (const header of [undefined, 'Bearer wrong-key-0123456789', KEYS[0], 'Bearer ', `Basic ${KEYS[0]}`]) {
      const res = await post(header);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="headsup"');
      expect(await res.json()).toEqual(REFUSAL);
    }
    expect(asked).toEqual(['wrong-key-0123456789']); // only a well-formed header reaches the key check
    expect(handled()).toBe(0);
  });
});
