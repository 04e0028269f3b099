import {
  checkCron,
  checkDnsLabel,
  checkHostname,
  checkImageRef,
  checkPort,
  checkTimeZone,
  isDigestPinned,
} from '../../core/value-rules';
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
  const message = 'must be a lower-case DNS host name with at least one dot, such as tasknote.example.com';

  test.each(['tasknote.example.com', 'a.b'])('accepts %p', (v) => {
    expect(checkHostname(v)).toBeUndefined();
  });

  test.each(['localhost', '*.example.com', 'Tasknote.example.com', 'example.com:443', `${'a'.repeat(64)}.com`, 'a..b'])(
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

describe('checkCron', () => {
  const shape = "must be a 5-field cron expression 'minute hour day-of-month month day-of-week', such as '0 6 * * *'";

  test.each(['0 6 * * *', '*/15 * * * *', '30 5 * * 1-5', ' 0 6 * * MON '])('accepts %p', (v) => {
    expect(checkCron(v)).toBeUndefined();
  });

  test.each(['@daily', '0 6 * *', '0 0 6 * * *', ''])('fails when the value %p does not have 5 fields', (v) => {
    expect(checkCron(v)).toBe(shape);
  });

  test('fails when a field is out of range, saying why', () => {
    expect(checkCron('61 * * * *')).toBe('is not a valid cron expression: Constraint error, got value 61 expected range 0-59');
  });
});

describe('checkTimeZone', () => {
  const message = "must be an IANA time zone such as 'Europe/Berlin' or 'UTC' (case matters)";

  test.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Etc/UTC'])('accepts %p', (v) => {
    expect(checkTimeZone(v)).toBeUndefined();
  });

  test('fails when the zone is unknown', () => {
    expect(checkTimeZone('Mars/Olympus')).toBe(message);
  });

  test('fails when the zone is written in the wrong case', () => {
    expect(checkTimeZone('europe/berlin')).toBe(message);
  });

  test('fails when the zone is an abbreviation', () => {
    expect(checkTimeZone('EST')).toBe(message);
  });
});
