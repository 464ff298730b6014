/**
 * Sends a workload at its steady rate: each tick's events in one `POST /v1/errors` (as a backend
 * would), the direct ones with SendMessage on the errors queue (as a producer using SQS would). Ticks
 * start on the clock whatever earlier answers take, so a slow answer does not slow the rate.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { postEvents } from '../../local/send-events';
import { eventKey } from './event-key';
import { type ChaosEvent, type Delivery, TICK_MS, type Workload } from './workload';

export type SendFigures = {
  /** Keys (app, environment, id) of the events answered 202 or taken by SendMessage. */
  accepted: Set<string>;
  /** Deliveries of events, repeats included. */
  sent: { posted: number; direct: number; repeats: number; invalid: number };
  /** Requests or sends that were refused (status or error → count). */
  refused: Record<string, number>;
  startedAt: number;
  /** When the last answer came back: the settle time counts from here. */
  lastSentAt: number;
};

export async function sendWorkload(
  workload: Workload,
  target: { url: string; ingestKey: string; sqs: SQSClient; errorsQueueUrl: string },
): Promise<SendFigures> {
  const figures: SendFigures = {
    accepted: new Set(),
    sent: { posted: 0, direct: 0, repeats: 0, invalid: 0 },
    refused: {},
    startedAt: Date.now(),
    lastSentAt: 0,
  };
  const refuse = (why: string) => {
    figures.refused[why] = (figures.refused[why] ?? 0) + 1;
  };
  const sendDirect = async (body: string) =>
    target.sqs.send(new SendMessageCommand({ QueueUrl: target.errorsQueueUrl, MessageBody: body }));

  const postTick = async (events: ChaosEvent[]) => {
    if (events.length === 0) return;
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const result of await postEvents(target.url, target.ingestKey, events)) {
      if (result.status !== 202) refuse(`POST /v1/errors ${result.status}`);
      for (const id of result.accepted) {
        const event = byId.get(id);
        if (event) figures.accepted.add(eventKey(event));
        else refuse('202 naming an id that was not sent');
      }
    }
  };
  const directTick = (deliveries: Delivery[]) =>
    deliveries.map(async (d) => {
      if (d.kind === 'post') return;
      try {
        await sendDirect(d.kind === 'invalid' ? d.body : JSON.stringify(d.event));
        if (d.kind === 'direct') figures.accepted.add(eventKey(d.event));
      } catch (err) {
        refuse(`SendMessage ${(err as Error).name}`);
      }
    });

  const inFlight: Promise<unknown>[] = [];
  for (const [t, deliveries] of workload.ticks.entries()) {
    const due = figures.startedAt + t * TICK_MS;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    for (const d of deliveries) {
      if (d.kind === 'invalid') figures.sent.invalid += 1;
      else {
        figures.sent[d.kind === 'post' ? 'posted' : 'direct'] += 1;
        if (d.repeat) figures.sent.repeats += 1;
      }
    }
    const posted = deliveries.flatMap((d) => (d.kind === 'post' ? [d.event] : []));
    inFlight.push(postTick(posted).catch((err: Error) => refuse(`POST /v1/errors ${err.message}`)));
    inFlight.push(...directTick(deliveries));
  }
  await Promise.all(inFlight);
  figures.lastSentAt = Date.now();
  return figures;
}
