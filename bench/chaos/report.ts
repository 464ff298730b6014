import type { ChaosResult } from './run';

/** What makes the run fail: each a sentence, empty when the pipeline kept its promises. */
export function failures(r: ChaosResult): string[] {
  const found: string[] = [];
  const { events, slack, intercom } = r;
  if (r.settleMs === null) found.push('the queues did not settle within the timeout');
  if (events.lost > 0) found.push(`${events.lost} accepted events lost`);
  if (events.validInDlq > 0) found.push(`${events.validInDlq} valid events in the errors DLQ`);
  if (events.duplicateDetailItems > 0) found.push(`${events.duplicateDetailItems} duplicate detail items`);
  if (slack.duplicateParents > 0) found.push(`${slack.duplicateParents} duplicate Slack parents`);
  if (slack.sharedParents > 0) found.push(`${slack.sharedParents} Slack parents shared by groups`);
  if (slack.groupsWithoutParent > 0) found.push(`${slack.groupsWithoutParent} groups without a Slack parent`);
  if (intercom.duplicateMessages > 0) found.push(`${intercom.duplicateMessages} duplicate user messages`);
  if (r.notifyDlq > 0) found.push(`${r.notifyDlq} fix jobs in the notify DLQ`);
  if (intercom.messages === 0) found.push('no fix message was sent at all');
  if (intercom.unrecognised > 0) found.push(`${intercom.unrecognised} Intercom messages of no template`);
  const { invalid } = events;
  if (invalid.inDlqWithReason < invalid.sent)
    found.push(`${invalid.sent - invalid.inDlqWithReason} invalid messages not in the DLQ with a reason`);
  return found;
}

export function printTable(r: ChaosResult, write: (text: string) => void): void {
  const { events: e, slack: s, intercom: i, handlers: h } = r;
  const pct = (n: number, of: number) => (of === 0 ? '–' : `${((100 * n) / of).toFixed(1)} %`);
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const flavours = Object.entries(e.invalid.byFlavour)
    .map(([k, f]) => `${k} ${f.withReason}/${f.sent}`)
    .join(', ');
  const rows: [string, string][] = [
    ['workload', `${r.options.rate} events/s for ${r.options.seconds} s, seed ${r.options.seed}`],
    [
      'sent',
      `${r.sent.posted} via POST /v1/errors, ${r.sent.direct} straight to SQS (${r.sent.repeats} repeats), ${r.sent.invalid} invalid`,
    ],
    ['ingest problems', list(r.refused)],
    ['events accepted', String(e.accepted)],
    ['events stored', `${e.stored} (${pct(e.stored, e.accepted)})`],
    ['events lost', String(e.lost)],
    ['valid events in the DLQ', `${e.validInDlq} (${e.validInDlqStored} of them stored)`],
    ['duplicate detail items', String(e.duplicateDetailItems)],
    ['groups / Slack parents', `${s.groups} / ${s.parents}`],
    ['duplicate Slack parents', String(s.duplicateParents)],
    ['groups without a parent', String(s.groupsWithoutParent)],
    ['fix messages sent', `${i.messages} (${list(i.byTemplate)})`],
    ['duplicate user messages', String(i.duplicateMessages)],
    ['fix outcomes recorded', list(i.outcomes)],
    ['notify guards', list(i.guards)],
    [
      'invalid in DLQ with reason',
      `${e.invalid.inDlqWithReason}/${e.invalid.sent} (${pct(e.invalid.inDlqWithReason, e.invalid.sent)}; ${flavours}; ${e.invalid.extraCopies} parked twice)`,
    ],
    ['errors DLQ by reason', list(e.dlqByReason)],
    ['fix jobs in the notify DLQ', String(r.notifyDlq)],
    ['time to settle', r.settleMs === null ? 'did not settle' : `${(r.settleMs / 1000).toFixed(1)} s`],
    [
      'handler processes',
      `${h.starts} started, ${h.kills} SIGKILLed (${h.killsMidBatch} mid-batch), ${h.unexpectedExits} died by themselves`,
    ],
    ['DynamoDB faults', list(h.dynamoFaults)],
    ['Slack faults', `${list(s.injected)} of ${s.requests} requests`],
    ['Intercom faults', `${list(i.injected)} of ${i.requests} requests`],
    ['stand-in violations', `Slack: ${list(s.violations)}; Intercom: ${list(i.violations)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
}
