import {
  checkCron,
  checkDnsLabel,
  checkHostname,
  checkImageRef,
  checkPort,
  checkTimeZone,
  isDigestPinned,
  nodeKnowsTimeZone,
} from '../../core/value-rules';
import { TIME_ZONES } from '../../core/private/time-zones';
import { DIGEST } from '../constructs/helpers';

describe('checkImageRef', () => {
  test('accepts a tag or a digest', () => {
    expect(checkImageRef('api:1.0.0')).toBeUndefined();
    expect(checkImageRef(`api@${DIGEST}`)).toBeUndefined();
  });

  test('fails when the reference is malformed', () => {
    expect(checkImageRef('API')).toBe('must be an image reference such as registry/name:1.2.3 or registry/name@sha256:<64 hex>');
  });

  test('fails when the tag is latest', () => {
    expect(checkImageRef('api:latest')).toBe("must not use the ':latest' tag: pin a version or a digest");
  });

  test('fails when the image is untagged', () => {
    expect(checkImageRef('registry/api')).toBe('must be pinned by a tag or a digest (untagged images are rejected)');
  });
});

test('isDigestPinned is true only with a digest', () => {
  expect(isDigestPinned(`api:1@${DIGEST}`)).toBe(true);
  expect(isDigestPinned('api:1')).toBe(false);
  expect(isDigestPinned('not an image')).toBe(false);
});

describe('checkDnsLabel', () => {
  const message =
    "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

  test.each(['a', 'tasknote-api', '0x', 'a'.repeat(63)])('accepts %p', (v) => {
    expect(checkDnsLabel(v)).toBeUndefined();
  });

  test.each(['', 'Api', 'api_x', '-api', 'api-', 'a.b', 'a'.repeat(64)])('fails when the value is %p', (v) => {
    expect(checkDnsLabel(v)).toBe(message);
  });
});

describe('checkHostname', () => {
  const message =
    'must be a lower-case DNS host name with at least one dot, such as tasknote.example.com (not an IP address, URL or wildcard)';

  test.each(['tasknote.example.com', 'a.b', '1.2.3.example.com', '1.2.3.4.5', '256.1.1.1'])('accepts %p', (v) => {
    expect(checkHostname(v)).toBeUndefined();
  });

  // The API server refuses any value Go's ParseIPSloppy reads as an address: leading zeros too.
  test.each(['localhost', '*.example.com', 'Tasknote.example.com', 'example.com:443', `${'a'.repeat(64)}.com`, 'a..b', '10.1.2.3', '010.001.002.003', '255.255.255.255'])(
    'fails when the value is %p',
    (v) => {
      expect(checkHostname(v)).toBe(message);
    },
  );
});

describe('checkPort', () => {
  test.each([1, 80, 65535])('accepts %p', (v) => {
    expect(checkPort(v)).toBeUndefined();
  });

  test.each([0, -1, 65536, 80.5, NaN])('fails when the value is %p', (v) => {
    expect(checkPort(v)).toBe('must be an integer port from 1 to 65535');
  });
});

describe('checkCron: exactly what robfig/cron ParseStandard (the API server) takes', () => {
  test.each([
    '0 6 * * *',
    '*/15 * * * *',
    '30 5 * * 1-5',
    ' 0 6 * * MON ',
    '0 6 * * 0',
    '0 6 * * 6',
    '0 6 * * sun-sat',
    '59 23 31 12 *',
    '0 0 1 1 *',
    '0 6 ? * *',
    '? ? ? ? ?',
    '0 6 * JAN-dec *',
    '*/60 * * * *',
    '5/15 * * * *',
    '+5 6 * * *',
    '007 6 * * *',
    '0 6,,7 * * *',
    '0 6 * * *\t',
    '@yearly',
    '@annually',
    '@monthly',
    '@weekly',
    '@daily',
    '@midnight',
    '@hourly',
  ])('accepts %p', (v) => {
    expect(checkCron(v)).toBeUndefined();
  });

  test.each([
    ['0 6 * * 7', 'end of range (7) above maximum (6): 7'],
    ['60 6 * * *', 'end of range (60) above maximum (59): 60'],
    ['0 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['0 6 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['0 6 32 * *', 'end of range (32) above maximum (31): 32'],
    ['0 6 * 13 *', 'end of range (13) above maximum (12): 13'],
    ['0 6 * 0 *', 'beginning of range (0) below minimum (1): 0'],
    ['0 6 L * *', 'failed to parse int from L: invalid syntax'],
    ['0 6 * * 1#2', 'failed to parse int from 1#2: invalid syntax'],
    ['0 6 15W * *', 'failed to parse int from 15W: invalid syntax'],
    ['0 6 * * 5-1', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['0 6 * *', 'expected exactly 5 fields, found 4: [0 6 * *]'],
    ['0 0 6 * * *', 'expected exactly 5 fields, found 6: [0 0 6 * * *]'],
    ['', 'empty spec string'],
    ['@Daily', 'unrecognized descriptor: @Daily'],
    ['@daily ', 'unrecognized descriptor: @daily '],
    ['@reboot', 'unrecognized descriptor: @reboot'],
    ['@every 1h', '@every <duration> is not taken here: write the five fields'],
    ['TZ=UTC 0 6 * * *', 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
    ['CRON_TZ=UTC 0 6 * * *', 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
    ['0 6 * * *\ufeff', 'failed to parse int from *\ufeff: invalid syntax'],
  ])('fails on %p, saying why as the API server does', (v, why) => {
    expect(checkCron(v)).toMatch(/^must be a cron schedule as Kubernetes takes it: /);
    expect(checkCron(v)).toContain(`; here: ${why}`);
  });
});

describe('nodeKnowsTimeZone', () => {
  // It answers canonical zones and UTC without building a formatter: the answer must still be the formatter's.
  const formatterTakes = (zone: string) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  };

  test('agrees with Intl.DateTimeFormat on every zone the API server embeds, and on names it refuses', () => {
    const zones = [...TIME_ZONES, 'utc', 'Local', 'Mars/Olympus', 'Etc/GMT+14', 'Etc/GMT+15', ''];
    expect(zones.filter((z) => nodeKnowsTimeZone(z) !== formatterTakes(z))).toEqual([]);
    expect(nodeKnowsTimeZone('Mars/Olympus')).toBe(false);
    expect(nodeKnowsTimeZone('UTC')).toBe(true);
  });
});

describe('checkTimeZone: the tz database names the API server embeds, spelled exactly', () => {
  const message = "must be a tz database name such as 'Europe/Berlin' or 'UTC', spelled exactly (case matters)";

  // Canonical names and aliases alike: time.LoadLocation opens the file of that name.
  test.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Etc/UTC', 'EST', 'GMT', 'US/Pacific', 'Asia/Calcutta', 'Etc/GMT+5', 'Zulu', 'GB-Eire', 'America/Argentina/ComodRivadavia'])(
    'accepts %p',
    (v) => {
      expect(checkTimeZone(v)).toBeUndefined();
    },
  );

  // Intl takes all of these (it matches without regard to case); the API server does not.
  test.each(['Mars/Olympus', 'europe/berlin', 'us/pacific', 'US/PACIFIC', 'utc', 'Local', 'local', '', 'Europe/Berlin ', '/Europe/Berlin', 'Europe/../Europe/Berlin', 'Factory', 'posix/Europe/Berlin', 'CEST', 'UTC+1'])(
    'fails on %p',
    (v) => {
      expect(checkTimeZone(v)).toBe(message);
    },
  );
});
