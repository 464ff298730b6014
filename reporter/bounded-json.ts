/**
 * `JSON.stringify` that gives up as soon as the text would pass `maxChars`, instead of building a
 * huge string first: the reporter runs inside our users' servers, where a 2-million-row context must
 * not block the event loop to be dropped afterwards. Undefined when over the budget.
 */
export function stringifyWithin(value: unknown, maxChars: number): string | undefined {
  let left = maxChars;
  const overBudget = new Error('over budget');
  try {
    return JSON.stringify(value, (key, v: unknown) => {
      // A lower bound of each entry's share of the text: enough to stop early, never too early.
      left -= key.length + (typeof v === 'string' ? v.length : 1);
      if (left < 0) throw overBudget;
      return v;
    });
  } catch (err) {
    if (err === overBudget) return undefined;
    throw err;
  }
}
