import { OPEN_STATUS } from '../../functions/core/records';
import {
  ALERT_ACTION_IDS,
  type AlertAction,
  ackButton,
  alertActionButtons,
  alertActionId,
  alertActionValue,
  isAlertActionId,
  MAX_ALERT_VALUE_CHARS,
  parseAlertActionValue,
} from '../../functions/core/slack/alert-actions';
import { BLOCK_LIMITS } from '../../functions/core/slack/message';

const fp = '0123456789abcdef0123456789abcdef';

describe('alert action ids', () => {
  it('are exactly ack, resolve and snooze', () => {
    expect([...ALERT_ACTION_IDS]).toEqual(['ack', 'resolve', 'snooze']);
    expect(ALERT_ACTION_IDS.every(isAlertActionId)).toBe(true);
    expect(isAlertActionId('send_fix')).toBe(false);
    expect(isAlertActionId('open_details')).toBe(false);
  });
});

describe('parseAlertActionValue', () => {
  it.each<AlertAction>([
    { kind: 'ack', fingerprint: fp, round: 0 },
    { kind: 'resolve', fingerprint: fp, round: 12 },
    { kind: 'snooze', fingerprint: fp, round: 3, seconds: 3600 },
    { kind: 'snooze', fingerprint: fp, round: 0, seconds: 60 },
    { kind: 'snooze', fingerprint: fp, round: 0, seconds: 7 * 86400 },
  ])('reads back what the button carries: %j', (action) => {
    const value = alertActionValue(action);
    expect(parseAlertActionValue(alertActionId(action), value)).toEqual(action);
  });

  it('encodes fingerprint|round and fingerprint|round|seconds', () => {
    expect(alertActionValue({ kind: 'ack', fingerprint: fp, round: 2 })).toBe(`${fp}|2`);
    expect(alertActionValue({ kind: 'snooze', fingerprint: fp, round: 2, seconds: 3600 })).toBe(
      `${fp}|2|3600`,
    );
  });

  it.each<[string, string, string | undefined]>([
    ['unknown action id', 'send_fix', `${fp}|0`],
    ['no value', 'ack', undefined],
    ['empty value', 'ack', ''],
    ['short fingerprint', 'ack', `${fp.slice(1)}|0`],
    ['upper-case fingerprint', 'ack', `${fp.toUpperCase()}|0`],
    ['non-hex fingerprint', 'ack', `${'g'.repeat(32)}|0`],
    ['no round', 'ack', fp],
    ['empty round', 'ack', `${fp}|`],
    ['negative round', 'ack', `${fp}|-1`],
    ['fractional round', 'ack', `${fp}|1.5`],
    ['leading zero', 'ack', `${fp}|01`],
    ['exponent', 'ack', `${fp}|1e3`],
    ['round too large to be safe', 'ack', `${fp}|${'9'.repeat(20)}`],
    ['seconds on ack', 'ack', `${fp}|0|3600`],
    ['seconds on resolve', 'resolve', `${fp}|0|3600`],
    ['snooze without seconds', 'snooze', `${fp}|0`],
    ['snooze under a minute', 'snooze', `${fp}|0|59`],
    ['snooze over a week', 'snooze', `${fp}|0|${7 * 86400 + 1}`],
    ['snooze with hex seconds', 'snooze', `${fp}|0|0x100`],
    ['extra part', 'snooze', `${fp}|0|3600|x`],
    ['spaces', 'ack', ` ${fp}|0`],
  ])('refuses %s', (_name, actionId, value) => {
    expect(parseAlertActionValue(actionId, value)).toBeUndefined();
  });

  it('refuses values over the bound before splitting them', () => {
    const tooLong = `${fp}|0|3600${'|'.repeat(MAX_ALERT_VALUE_CHARS)}`;
    expect(parseAlertActionValue('snooze', tooLong)).toBeUndefined();
    const huge = '|'.repeat(1_000_000);
    const split = jest.spyOn(String.prototype, 'split');
    const parsed = parseAlertActionValue('ack', huge);
    const calls = split.mock.calls.length;
    split.mockRestore();
    expect(parsed).toBeUndefined();
    expect(calls).toBe(0);
  });
});

describe('alertActionButtons', () => {
  const ids = (state: (typeof OPEN_STATUS)['state'] | undefined) =>
    alertActionButtons({
      fingerprint: fp,
      status: state ? { ...OPEN_STATUS, state, round: 4 } : undefined,
    }).map((b) => b.action_id);

  it('offers what each state allows', () => {
    expect(ids(undefined)).toEqual(['ack', 'snooze', 'resolve']);
    expect(ids('open')).toEqual(['ack', 'snooze', 'resolve']);
    expect(ids('acknowledged')).toEqual(['snooze', 'resolve']);
    expect(ids('snoozed')).toEqual(['ack', 'resolve']);
    expect(ids('resolved')).toEqual([]);
  });

  it('carries the round (0 without a status), a primary Acknowledge and a confirmed Resolve', () => {
    const [ack, snooze, resolve] = alertActionButtons({ fingerprint: fp });
    expect(ack).toMatchObject({ style: 'primary', value: `${fp}|0`, text: { text: 'Acknowledge' } });
    expect(snooze).toMatchObject({ value: `${fp}|0|3600`, text: { text: 'Snooze 1 h' } });
    expect(resolve?.value).toBe(`${fp}|0`);
    expect(resolve?.confirm?.confirm?.text).toBe('Resolve');
    const round4 = alertActionButtons({ fingerprint: fp, status: { ...OPEN_STATUS, round: 4 } });
    for (const b of round4) expect(parseAlertActionValue(b.action_id!, b.value)?.round).toBe(4);
    for (const b of [ack, snooze, resolve]) {
      expect(b!.text.text.length).toBeLessThanOrEqual(BLOCK_LIMITS.buttonChars);
      expect(b!.value!.length).toBeLessThanOrEqual(MAX_ALERT_VALUE_CHARS);
    }
  });

  it('gives a direct message the same Acknowledge', () => {
    const button = ackButton({ fingerprint: fp, status: { ...OPEN_STATUS, round: 7 } });
    expect(parseAlertActionValue(button.action_id!, button.value)).toEqual({
      kind: 'ack',
      fingerprint: fp,
      round: 7,
    });
  });
});
