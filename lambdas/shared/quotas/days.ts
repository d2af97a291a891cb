/** Day counters run per UTC day: a day's counter starts at 0 at UTC midnight. */

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long a day's counters are kept after the day ends (operators can still read last week's usage). */
export const USAGE_RETENTION_DAYS = 7;

/** `yyyy-mm-dd` of the UTC day `now` falls in. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The next UTC midnight after `now`: when the day's counters reset. */
export function nextUtcMidnight(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
}

/** The `ttl` (epoch seconds) of a counter of `now`'s day: USAGE_RETENTION_DAYS after the day ends. */
export function usageExpiry(now: Date): number {
  return Math.floor(nextUtcMidnight(now).getTime() / 1000) + USAGE_RETENTION_DAYS * (DAY_MS / 1000);
}
