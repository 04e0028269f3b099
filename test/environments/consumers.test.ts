// Fields that a service reads from its ConfigMap: what synth accepts, the service's own config
// parser accepts, with the same meaning; where the parser is looser than synth, the test says why.
import { loadServeConfig, loadSummaryConfig } from '../../services/api/src/config';
import { loadWorkerConfig } from '../../services/worker/src/config';
import { setArg, synthVerdict } from './boundaries';

/** The data of a ConfigMap of the synthesized environment. */
function configMap(sets: string[], name: string): Record<string, string> {
  const verdict = synthVerdict('dev', sets);
  expect(verdict.message).toBe('');
  const cm = verdict.outputs[0].files.flatMap((f) => f.objects).find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  return (cm as unknown as { data: Record<string, string> }).data;
}

const SECRETS = { DATABASE_PASSWORD: 'pw', ADMIN_TOKEN: 'x'.repeat(32) };
const summaryOf = (data: Record<string, string>) => loadSummaryConfig({ ...data, ...SECRETS });
const workerOf = (data: Record<string, string>) => loadWorkerConfig({ ...data, ...SECRETS });
const refused = (sets: string[]) => synthVerdict('dev', sets).accepted === false;

describe('logLevel', () => {
  test.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])('%s is taken by both services as written', (level) => {
    expect(loadServeConfig({ ...configMap([setArg('logLevel', level)], 'tasknote-api-config'), ...SECRETS }).logLevel).toBe(level);
    expect(workerOf(configMap([setArg('logLevel', level)], 'tasknote-worker-config')).logLevel).toBe(level);
  });

  test('a level neither service knows is refused by synth and by the service', () => {
    expect(refused([setArg('logLevel', 'verbose')])).toBe(true);
    expect(() => workerOf({ ...configMap([], 'tasknote-worker-config'), LOG_LEVEL: 'verbose' })).toThrow('LOG_LEVEL: must be one of');
  });

  test("'silent' is refused by synth although the services take it: an environment never runs blind", () => {
    expect(refused([setArg('logLevel', 'silent')])).toBe(true);
    expect(workerOf({ ...configMap([], 'tasknote-worker-config'), LOG_LEVEL: 'silent' }).logLevel).toBe('silent');
  });
});

describe('worker.thumbnailSizes: a set to the worker', () => {
  test.each([[[64, 256]], [[16]], [[4096]], [[4096, 16, 512]]])('%j reaches the worker whole: every width, none merged', (sizes) => {
    const parsed = workerOf(configMap([setArg('worker.thumbnailSizes', sizes)], 'tasknote-worker-config')).thumbnailSizes;
    expect(parsed).toEqual([...sizes].sort((x, y) => x - y));
  });

  test('fails when a width repeats: the worker would silently render it once', () => {
    expect(synthVerdict('dev', [setArg('worker.thumbnailSizes', [64, 256, 64])]).message).toContain(
      'worker.thumbnailSizes.2: repeats width 64: the worker treats the list as a set (received 64)',
    );
    expect(workerOf({ ...configMap([], 'tasknote-worker-config'), THUMBNAIL_SIZES: '64,256,64' }).thumbnailSizes).toEqual([64, 256]);
  });

  test('a width past 4096 or an empty list is refused by both', () => {
    for (const sizes of [[4097], []]) {
      expect(refused([setArg('worker.thumbnailSizes', sizes)])).toBe(true);
      expect(() => workerOf({ ...configMap([], 'tasknote-worker-config'), THUMBNAIL_SIZES: sizes.join(',') })).toThrow('THUMBNAIL_SIZES');
    }
  });

  test('widths below 16 are refused by synth although the worker takes them: thumbnails that small are no use', () => {
    expect(refused([setArg('worker.thumbnailSizes', [15])])).toBe(true);
    expect(workerOf({ ...configMap([], 'tasknote-worker-config'), THUMBNAIL_SIZES: '15' }).thumbnailSizes).toEqual([15]);
  });
});

describe('smtp: what the summary command reads', () => {
  test.each(['smtp.example.com', 'mailpit', 'mailpit.mailpit.svc.cluster.local', '10.0.0.25'])(
    'host %p reaches SMTP_HOST as a bare host',
    (host) => {
      const config = summaryOf(configMap([setArg('smtp.host', host)], 'tasknote-api-config'));
      expect(config.smtp.host).toBe(host);
      // A host, not a URL: it is exactly the host part of a URL built on it.
      expect(new URL(`smtp://${host}:25`).hostname).toBe(host);
    },
  );

  test.each(['smtp://smtp.example.com', 'smtp.example.com:587', 'smtp.example.com/x', 'Smtp.Example.com', '010.0.0.25', 'a_b', ''])(
    'fails when the host is %p: the SMTP client would look it up as a name at send time',
    (host) => {
      expect(refused([setArg('smtp.host', host)])).toBe(true);
    },
  );

  test.each([1, 587, 65535])('port %p is taken by the summary command', (port) => {
    expect(summaryOf(configMap([setArg('smtp.port', port)], 'tasknote-api-config')).smtp.port).toBe(port);
  });

  test.each([0, 65536])('port %p is refused by synth and by the summary command', (port) => {
    expect(refused([setArg('smtp.port', port)])).toBe(true);
    expect(() => summaryOf({ ...configMap([], 'tasknote-api-config'), SMTP_PORT: String(port) })).toThrow('SMTP_PORT');
  });

  test.each(['tasknote@localtest.me', 'a.b+c@mail.example.com'])('from %p is taken by the summary command', (from) => {
    expect(summaryOf(configMap([setArg('smtp.from', from)], 'tasknote-api-config')).smtp.from).toBe(from);
  });

  test.each(['tasknote', 'a@b', 'a@@b.com', ''])('from %p is refused by synth and by the summary command', (from) => {
    expect(refused([setArg('smtp.from', from)])).toBe(true);
    expect(() => summaryOf({ ...configMap([], 'tasknote-api-config'), SMTP_FROM: from })).toThrow('SMTP_FROM');
  });
});

describe('jobs.timeZone: also the summary command’s SUMMARY_TIME_ZONE', () => {
  test.each(['UTC', 'Europe/Berlin', 'US/Pacific', 'Etc/GMT+5'])('%p is taken by the summary command as written', (zone) => {
    expect(summaryOf(configMap([setArg('jobs.timeZone', zone)], 'tasknote-api-config')).timeZone).toBe(zone);
  });

  test("a name in the wrong case is refused by synth: Intl would take it, the API server's CronJob would not", () => {
    expect(refused([setArg('jobs.timeZone', 'us/pacific')])).toBe(true);
    expect(summaryOf({ ...configMap([], 'tasknote-api-config'), SUMMARY_TIME_ZONE: 'us/pacific' }).timeZone).toBe('us/pacific');
  });
});
