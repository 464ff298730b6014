import { nanoid } from 'nanoid';
import { isLinkId, LINK_ID_LENGTH } from '../../functions/core/links';

describe('link ids', () => {
  it('takes every id the wiring generates (nanoid at LINK_ID_LENGTH) and nothing else', () => {
    for (let i = 0; i < 200; i++) expect(isLinkId(nanoid(LINK_ID_LENGTH))).toBe(true);
    const id = nanoid(LINK_ID_LENGTH);
    expect(isLinkId(id.slice(1))).toBe(false);
    expect(isLinkId(`${id}x`)).toBe(false);
    expect(isLinkId(`${id.slice(1)}.`)).toBe(false);
    expect(isLinkId(`${id.slice(1)}\n`)).toBe(false);
  });
});
