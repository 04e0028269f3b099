// Durations of stack config (`90s`, `10m`, `1h`), the form Pulumi's custom timeouts take, and
// the deploy's default waits.
export const DURATION = /^([1-9]\d*)(s|m|h)$/;

/** How long each kind of wait may take unless the stack config says otherwise (docs/deploy.md). */
export const DEFAULT_TIMEOUTS = { migration: '10m', rollout: '10m', secrets: '3m' } as const;

/** Seconds of a duration. */
export function durationSeconds(duration: string): number {
  const match = DURATION.exec(duration);
  if (match === null) throw new Error(`'${duration}' is not a duration such as 90s, 10m or 1h`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}
