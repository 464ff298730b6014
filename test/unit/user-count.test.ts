import { helpScoutSidebar } from '../../functions/core/helpscout/sidebar';
import { type DetailLink, USER_COUNT_CAP, userCountText } from '../../functions/core/records';
import { parentMessage } from '../../functions/core/slack/parent';
import { detailPage } from '../../functions/web/detail-page';
import { sampleEvent, sampleGroup } from '../support/samples';

const publicUrl = 'https://headsup.example.com';

describe('the affected-user count', () => {
  it('is exact below the cap and reads "1000+" from it on', () => {
    expect(userCountText({ userCount: 1 })).toBe('1');
    expect(userCountText({ userCount: USER_COUNT_CAP - 1 })).toBe('999');
    expect(userCountText({ userCount: USER_COUNT_CAP })).toBe('1000+');
  });

  it('reads the same in the Slack alert, on the detail page and in the Help Scout sidebar', async () => {
    const group = sampleGroup({ count: 5000, userCount: USER_COUNT_CAP });
    const now = group.lastSeenAt + 60_000;
    const link: DetailLink = {
      id: group.latest.linkId,
      eventId: 'evt-1',
      fingerprint: group.fingerprint,
      event: sampleEvent(),
      receivedAt: group.lastSeenAt,
      expiresAt: group.latest.linkExpiresAt,
    };

    expect(JSON.stringify(parentMessage(group, { publicUrl }).blocks)).toContain('5000 · 1000+ users');
    expect(String(await detailPage(link, group, now))).toContain('<th>Users affected</th><td>1000+</td>');
    const sidebar = helpScoutSidebar(
      { emails: ['fred@example.com'], links: [link], groups: new Map([[group.fingerprint, group]]) },
      { publicUrl, now, windowSeconds: 86400 },
    );
    expect(sidebar).toContain('5000 times for 1000+ users');
  });
});
