/**
 * Fix messages against the rule: at most one per (contact, template) within the template's cooldown,
 * and at most one per occurrence ever. Cooldowns are hours long and a run lasts seconds, so within a
 * run the first rule is the binding one: every message beyond the first per (contact, template) is a
 * duplicate. A message's template is recognised by its body: each template rendered for that user.
 */
import { parseErrorEvent } from '../../functions/core/event-schema';
import { templateContext } from '../../functions/core/templates/context';
import type { FixTemplate } from '../../functions/core/templates/parse';
import type { IntercomFake } from '../../local/fakes/intercom-api';
import { countInjected, countKinds } from './audit-slack';
import type { LinkItem, SentItem } from './table-scan';
import type { ChaosEvent } from './workload';

export type IntercomAudit = {
  messages: number;
  /** Messages beyond one per (contact, template). */
  duplicateMessages: number;
  duplicateExamples: Array<{ contactId: string; externalId?: string; template: string; messages: number }>;
  /** Messages whose body matches no template rendered for their recipient (must be 0). */
  unrecognised: number;
  byTemplate: Record<string, number>;
  /** Outcomes recorded on the detail items (`notify.status`). */
  outcomes: Record<string, number>;
  /** Notify guards by state after settling; "sending" is a send that never finished. */
  guards: Record<string, number>;
  /** Guards left "sending", and whether the stand-in got that message (the send never recorded). */
  stuckGuards: Array<{ guard: string; linkId?: string; delivered: boolean }>;
  injected: Record<string, number>;
  violations: Record<string, number>;
  requests: number;
};

export function auditIntercom(
  intercom: IntercomFake,
  templates: FixTemplate[],
  events: ChaosEvent[],
  links: LinkItem[],
  sent: SentItem[],
): IntercomAudit {
  // Bodies depend only on the user and the company, which are fixed per user in the workload.
  const eventOfUser = new Map<string, ChaosEvent>();
  for (const e of events) if (e.user?.id !== undefined) eventOfUser.set(String(e.user.id), e);
  const contacts = new Map(intercom.contacts.map((c) => [c.id, c]));
  const bodies = new Map<string, Map<string, string>>(); // contact id → body → template id
  const templateOf = (contactId: string, body: string): string | undefined => {
    let known = bodies.get(contactId);
    if (!known) {
      known = new Map();
      const sample = eventOfUser.get(contacts.get(contactId)?.external_id ?? '');
      const parsed = sample && parseErrorEvent(JSON.stringify(sample));
      if (parsed?.ok) for (const t of templates) known.set(t.render(templateContext(parsed.event)), t.id);
      bodies.set(contactId, known);
    }
    return known.get(body);
  };

  const perPair = new Map<string, { contactId: string; template: string; messages: number }>();
  const byTemplate: Record<string, number> = {};
  let unrecognised = 0;
  for (const m of intercom.messages) {
    const template = templateOf(m.to.id, m.body);
    if (!template) unrecognised += 1;
    const name = template ?? '(unrecognised)';
    byTemplate[name] = (byTemplate[name] ?? 0) + 1;
    const key = `${m.to.id}\u0000${name}`;
    const entry = perPair.get(key) ?? { contactId: m.to.id, template: name, messages: 0 };
    entry.messages += 1;
    perPair.set(key, entry);
  }
  const duplicates = [...perPair.values()].filter((p) => p.messages > 1);
  const outcomes: Record<string, number> = {};
  for (const link of links) {
    const status = link.notify?.status;
    if (status) outcomes[status] = (outcomes[status] ?? 0) + 1;
  }
  const contactOfUser = new Map(intercom.contacts.map((c) => [`id:${c.external_id}`, c.id]));
  // `SENT#<recipient>#<template>`, the recipient being `id:<user id>` in this workload.
  const deliveredFor = (pk: string) => {
    const [, recipient = '', template = ''] = pk.split('#');
    return perPair.has(`${contactOfUser.get(recipient)}\u0000${template}`);
  };
  const guards: Record<string, number> = {};
  for (const g of sent) guards[g.state ?? '?'] = (guards[g.state ?? '?'] ?? 0) + 1;
  return {
    guards,
    stuckGuards: sent
      .filter((g) => g.state === 'sending')
      .slice(0, 20)
      .map((g) => ({ guard: g.pk, linkId: g.linkId, delivered: deliveredFor(g.pk) })),
    messages: intercom.messages.length,
    duplicateMessages: duplicates.reduce((sum, p) => sum + p.messages - 1, 0),
    duplicateExamples: duplicates.slice(0, 20).map((p) => ({
      ...p,
      externalId: contacts.get(p.contactId)?.external_id,
    })),
    unrecognised,
    byTemplate,
    outcomes,
    injected: countInjected(intercom.requests),
    violations: countKinds(intercom.violations),
    requests: intercom.requests.length,
  };
}
