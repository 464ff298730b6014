import type { ErrorEvent } from '../../functions/core/event-schema';
import type { ErrorGroup, EscalationRecord } from '../../functions/core/records';

/** A valid event as a producer would send it; override what a test is about. */
export function sampleEvent(over: Partial<ErrorEvent> = {}): ErrorEvent {
  return {
    app: 'billing',
    environment: 'production',
    level: 'error',
    error: { type: 'CardExpiredError', code: 'card_expired', message: 'Card ending 4242 expired' },
    user: { id: 'u_1', email: 'fred@example.com', name: 'Fred Smith' },
    company: { id: 'c_1', name: 'Acme', plan: 'pro' },
    ...over,
  };
}

export function sampleGroup(over: Partial<ErrorGroup> = {}): ErrorGroup {
  const t = Date.UTC(2026, 10, 21, 9, 0);
  return {
    fingerprint: 'f'.repeat(32),
    app: 'billing',
    environment: 'production',
    level: 'error',
    errorType: 'CardExpiredError',
    errorCode: 'card_expired',
    message: 'Card ending 4242 expired',
    count: 1,
    userCount: 1,
    firstSeenAt: t,
    lastSeenAt: t,
    latest: {
      linkId: 'V1StGXR8_Z5jdHi6B-myT',
      linkExpiresAt: t / 1000 + 86400,
      user: { id: 'u_1', email: 'fred@example.com', name: 'Fred Smith' },
      company: { name: 'Acme', plan: 'pro' },
    },
    expiresAt: t / 1000 + 7 * 86400,
    ...over,
  };
}

/** A sample event as the JSON body of a queue message. */
export const sampleEventBody = (over: Partial<ErrorEvent> = {}) => JSON.stringify(sampleEvent(over));

/** The first escalation step, told: on call (Ana) was paged at `at`. */
export const sampleStep = (at: number, over: Partial<EscalationRecord> = {}): EscalationRecord => ({
  step: 0,
  at,
  to: [{ id: 'ana', name: 'ana', slack: 'U1' }],
  why: 'on call',
  claimedAt: 0,
  told: true,
  ...over,
});
