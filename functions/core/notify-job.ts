import * as z from 'zod';

/** A request to send one fix message: queued by triage (auto templates) or by a "Send fix" click. */
export const notifyJobSchema = z.object({
  linkId: z.string().min(1).max(64),
  templateId: z.string().min(1).max(64),
  trigger: z.enum(['auto', 'slack']),
  /** The Slack user who pressed "Send fix" (ids as Slack sends them: U…/W…). */
  requestedBy: z
    .object({ id: z.string().regex(/^[UW][A-Z0-9]+$/), name: z.string().max(100).optional() })
    .optional(),
});

export type NotifyJob = z.output<typeof notifyJobSchema>;
