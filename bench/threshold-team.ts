import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A team file whose outage threshold every group keeps counting towards and none reaches (1 000 users
 * in 10 minutes): a run pays the urgency rules' full per-event cost — the recent users each counting
 * transaction appends, and their pruning — without escalations, whose delayed timers would keep the
 * queues from settling. Used by the bench and the chaos run. Answers the file's path.
 */
export function thresholdTeamFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-oncall-')), 'oncall.yaml');
  writeFileSync(
    file,
    [
      'timezone: Europe/London',
      'people:',
      '  - { id: ops, name: Ops, slack: U0BENCH001, timezone: Europe/London, hours: Mon-Fri 09:00-17:00 }',
      'oncall: { rotation: [ops], handoff: Mon 09:00, every: 1w, respond: 30m }',
      'urgency:',
      '  - match: { users: 1000, within: 10m }',
      '',
    ].join('\n'),
  );
  return file;
}
