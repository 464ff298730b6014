import type { EventInput } from '../functions/core/event-schema';

export type SendResult = { status: number; accepted: string[]; body: unknown };

/** Posts events to `POST /v1/errors` in requests of at most 100, as a product backend would. */
export async function postEvents(baseUrl: string, key: string, events: EventInput[]): Promise<SendResult[]> {
  const results: SendResult[] = [];
  for (let i = 0; i < events.length; i += 100) {
    const res = await fetch(`${baseUrl}/v1/errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(events.slice(i, i + 100)),
    });
    const body = (await res.json().catch(() => ({}))) as { accepted?: string[] };
    results.push({ status: res.status, accepted: body.accepted ?? [], body });
  }
  return results;
}
