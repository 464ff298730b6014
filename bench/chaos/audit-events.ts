/**
 * What became of the events, after settling. The definitions (also in the README):
 * - accepted: distinct events (app, environment, id) answered 202 by `POST /v1/errors`, plus valid
 *   events a producer put on the errors queue itself (SendMessage succeeded);
 * - stored: accepted events that have a detail item (`LINK#…`) in DynamoDB, matched on the event the
 *   item holds (`event.app`, `event.environment`, `event.id`, else `eventId`);
 * - valid in DLQ: accepted events whose message ended in the errors DLQ (a failure too, stored or
 *   not: a stored one may still lack its Slack alert);
 * - lost: accepted − stored − valid in DLQ but not stored: neither stored nor parked anywhere;
 * - duplicate detail items: detail items beyond one per event;
 * - invalid: the invalid messages sent, found in the errors DLQ with a `headsup-reason`, or not.
 */
import { parseErrorEvent } from '../../functions/core/event-schema';
import { DLQ_REASON_ATTRIBUTE } from '../../lib/definitions';
import type { InspectedMessage } from '../../local/emulators';
import { eventKey } from './event-key';
import type { LinkItem } from './table-scan';
import type { Workload } from './workload';

export type EventAudit = {
  accepted: number;
  stored: number;
  lost: number;
  validInDlq: number;
  /** Of those, how many have a detail item all the same. */
  validInDlqStored: number;
  duplicateDetailItems: number;
  /** Up to 20 lost event ids: evidence to follow up. */
  lostExamples: string[];
  validInDlqExamples: string[];
  /** DLQ messages that are neither an invalid message sent nor an accepted event (e.g. a flush). */
  otherDlqExamples: Array<{ attributes: string; body: string }>;
  /** Errors DLQ messages by reason (numbers as N); "(no reason)" = moved there by SQS after 5 receives. */
  dlqByReason: Record<string, number>;
  invalid: {
    sent: number;
    inDlqWithReason: number;
    inDlqWithoutReason: number;
    missing: number;
    /** Copies beyond one of the same invalid message (harmless, but counted). */
    extraCopies: number;
    byFlavour: Record<string, { sent: number; withReason: number }>;
  };
};

export function auditEvents(
  workload: Workload,
  accepted: Set<string>,
  links: LinkItem[],
  dlq: InspectedMessage[],
): EventAudit {
  const linksPerEvent = new Map<string, number>();
  for (const link of links) {
    const key = eventKey({
      app: link.event?.app,
      environment: link.event?.environment,
      id: link.event?.id ?? link.eventId,
    });
    linksPerEvent.set(key, (linksPerEvent.get(key) ?? 0) + 1);
  }
  const stored = [...accepted].filter((key) => linksPerEvent.has(key));
  const duplicateDetailItems = [...linksPerEvent.values()].reduce((sum, n) => sum + n - 1, 0);

  const dlqByReason: Record<string, number> = {};
  const validInDlq = new Set<string>();
  const invalidCopies = new Map<string, { withReason: number; withoutReason: number }>();
  const markers = new Map(workload.invalid.map((m) => [m.marker, m]));
  const other: EventAudit['otherDlqExamples'] = [];
  for (const message of dlq) {
    const reason = message.messageAttributes[DLQ_REASON_ATTRIBUTE]?.StringValue;
    const label = reason ? reasonLabel(reason) : '(no reason)';
    dlqByReason[label] = (dlqByReason[label] ?? 0) + 1;
    const marker = markerIn(message.body, markers);
    if (marker) {
      const copies = invalidCopies.get(marker) ?? { withReason: 0, withoutReason: 0 };
      copies[reason ? 'withReason' : 'withoutReason'] += 1;
      invalidCopies.set(marker, copies);
      continue;
    }
    const parsed = parseErrorEvent(message.body);
    const key = parsed.ok ? eventKey(parsed.event) : undefined;
    if (key && accepted.has(key)) validInDlq.add(key);
    else if (other.length < 20) {
      const attributes = Object.entries(message.messageAttributes)
        .map(([name, value]) => `${name}=${value.StringValue}`)
        .join(' ');
      other.push({ attributes, body: message.body.slice(0, 300) });
    }
  }
  const lost = [...accepted].filter((key) => !linksPerEvent.has(key) && !validInDlq.has(key));

  const byFlavour: EventAudit['invalid']['byFlavour'] = {};
  let withReason = 0;
  let withoutReason = 0;
  let extraCopies = 0;
  for (const m of workload.invalid) {
    const copies = invalidCopies.get(m.marker);
    const entry = byFlavour[m.flavour] ?? { sent: 0, withReason: 0 };
    byFlavour[m.flavour] = entry;
    entry.sent += 1;
    if (copies?.withReason) {
      withReason += 1;
      entry.withReason += 1;
    } else if (copies?.withoutReason) withoutReason += 1;
    if (copies) extraCopies += copies.withReason + copies.withoutReason - 1;
  }
  const idOf = (key: string) => key.split('\u0000').join('/');
  return {
    accepted: accepted.size,
    stored: stored.length,
    lost: lost.length,
    validInDlq: validInDlq.size,
    validInDlqStored: [...validInDlq].filter((key) => linksPerEvent.has(key)).length,
    duplicateDetailItems,
    lostExamples: lost.slice(0, 20).map(idOf),
    validInDlqExamples: [...validInDlq].slice(0, 20).map(idOf),
    dlqByReason,
    otherDlqExamples: other,
    invalid: {
      sent: workload.invalid.length,
      inDlqWithReason: withReason,
      inDlqWithoutReason: withoutReason,
      missing: workload.invalid.length - withReason - withoutReason,
      extraCopies,
      byFlavour,
    },
  };
}

/** "event is 307212 bytes; the limit is …" → "event is N bytes"; the part before the first colon. */
function reasonLabel(reason: string): string {
  return (reason.split(/[:;]/)[0] ?? reason).replace(/\d+/g, 'N').trim();
}

function markerIn(body: string, markers: Map<string, unknown>): string | undefined {
  const found = /"id":"(c\d+-bad-\d+)"/.exec(body.slice(0, 200))?.[1];
  return found && markers.has(found) ? found : undefined;
}
