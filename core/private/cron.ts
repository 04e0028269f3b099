// The schedule grammar of a CronJob as the API server judges it: Kubernetes validates
// `spec.schedule` with github.com/robfig/cron/v3 `ParseStandard` (v3.0.1, pkg/apis/batch/validation
// in Kubernetes 1.34), and its controller schedules with the same parser. This follows that
// parser's `Parse`, `normalizeFields`, `getField`, `getRange` and `parseIntOrName` step by step,
// errors included, because no JavaScript cron library accepts the same set: cron-parser takes
// `L`, `W`, `#`, 7 for Sunday and seconds, which the API server refuses, and refuses forms it takes.

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOW_NAMES = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** minute, hour, day of month, month, day of week: the five fields of the standard parser. */
const FIELDS: readonly Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES },
  { min: 0, max: 6, names: DOW_NAMES },
];

/** The descriptors robfig's `parseDescriptor` knows, matched case-sensitively. */
export const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

/** Go's `unicode.IsSpace`, which `strings.Fields` splits on (JavaScript's `\s` differs: U+FEFF, U+0085). */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

class CronSyntaxError extends Error {}

/** Go's `strconv.Atoi` followed by robfig's negative check (`mustParseInt`). */
function mustParseInt(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr)) throw new CronSyntaxError(`failed to parse int from ${expr}: invalid syntax`);
  const n = BigInt(expr);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new CronSyntaxError(`failed to parse int from ${expr}: value out of range`);
  if (n < 0n) throw new CronSyntaxError(`negative number (${n}) not allowed: ${expr}`);
  // Anything past 2^53 is far above every field's maximum; the bounds check below refuses it.
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

function parseIntOrName(expr: string, names: Bounds['names']): number {
  const named = names ? (names as Record<string, number>)[expr.toLowerCase()] : undefined;
  if (named !== undefined && Object.hasOwn(names!, expr.toLowerCase())) return named;
  return mustParseInt(expr);
}

/** robfig `getRange`: `*` | `?` | number | number-number, each optionally `/step`. */
function checkRange(expr: string, r: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    // As upstream: after `*` or `?` anything behind a hyphen is ignored.
    start = r.min;
    end = r.max;
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names);
    else throw new CronSyntaxError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    if (singleDigit) end = r.max;
  } else if (rangeAndStep.length > 2) {
    throw new CronSyntaxError(`too many slashes: ${expr}`);
  }
  if (start < r.min) throw new CronSyntaxError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronSyntaxError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronSyntaxError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronSyntaxError(`step of range should be a positive number: ${expr}`);
}

/**
 * Why robfig's standard parser refuses `spec`, in its own words, or undefined when it accepts it.
 * `@every <duration>` is refused here on purpose (see checkCron).
 */
export function standardCronError(spec: string): string | undefined {
  if (spec.length === 0) return 'empty spec string';
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  if (spec.startsWith('@')) {
    if ((CRON_DESCRIPTORS as readonly string[]).includes(spec)) return undefined;
    if (spec.startsWith('@every ')) return '@every <duration> is not taken here: write the five fields';
    return `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(GO_SPACE).filter((f) => f !== '');
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  try {
    fields.forEach((field, i) => {
      // strings.FieldsFunc on ',': empty items between commas are skipped, not refused.
      for (const expr of field.split(',').filter((e) => e !== '')) checkRange(expr, FIELDS[i]);
    });
  } catch (err) {
    if (err instanceof CronSyntaxError) return err.message;
    throw err;
  }
  // The API server refuses TZ anywhere in the schedule once CronJobs take `timeZone`.
  if (spec.includes('TZ')) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  return undefined;
}
