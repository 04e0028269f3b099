import { AppConfig, AppConfigProps, CONFIG_HASH_ANNOTATION, EnvironmentChart, Worker } from '../../constructs';
import { containerOf, makeChart, only, podTemplateOf, synth, workerProps } from './helpers';

const props: AppConfigProps = { name: 'tasknote-api-config', component: 'api', data: { LOG_LEVEL: 'info', PORT: '8080' } };

/** The config-hash annotation of a worker that uses one AppConfig with `data`. */
function hashFor(data: Record<string, string>, name = props.name): string {
  const chart = makeChart();
  const config = new AppConfig(chart, 'config', { ...props, name, data });
  new Worker(chart, 'worker', workerProps({ config: [config] }));
  return podTemplateOf(only(synth(chart), 'Deployment')).metadata.annotations[CONFIG_HASH_ANNOTATION];
}

test('minimal props snapshot', () => {
  const chart = makeChart();
  new AppConfig(chart, 'config', props);
  expect(synth(chart)).toMatchSnapshot();
});

test('synthesizes a ConfigMap with the data, keys sorted, and the standard labels', () => {
  const chart = makeChart();
  new AppConfig(chart, 'config', { ...props, data: { Z_LAST: '1', A_FIRST: '2' } });
  const cm = only(synth(chart), 'ConfigMap', 'tasknote-api-config');
  expect(Object.keys(cm.data)).toEqual(['A_FIRST', 'Z_LAST']);
  expect(cm.metadata).toMatchObject({ namespace: 'tasknote-test', labels: { 'app.kubernetes.io/component': 'api' } });
});

test('the content hash does not depend on key order', () => {
  const chart: EnvironmentChart = makeChart();
  const a = new AppConfig(chart, 'a', { ...props, data: { A: '1', B: '2' } });
  const b = new AppConfig(chart, 'b', { ...props, name: 'other', data: { B: '2', A: '1' } });
  expect(a.contentHash).toBe(b.contentHash);
  expect(a.contentHash).toMatch(/^[0-9a-f]{64}$/);
});

test('pods that use the config load it with envFrom', () => {
  const chart = makeChart();
  const config = new AppConfig(chart, 'config', props);
  new Worker(chart, 'worker', workerProps({ config: [config] }));
  expect(containerOf(only(synth(chart), 'Deployment')).envFrom).toEqual([
    { configMapRef: { name: 'tasknote-api-config', optional: false } },
  ]);
});

test('the config-hash annotation is the same when the data is unchanged', () => {
  expect(hashFor({ LOG_LEVEL: 'info' })).toBe(hashFor({ LOG_LEVEL: 'info' }));
});

test('the config-hash annotation changes when a value changes', () => {
  expect(hashFor({ LOG_LEVEL: 'debug' })).not.toBe(hashFor({ LOG_LEVEL: 'info' }));
});

test('the config-hash annotation changes when a key is added', () => {
  expect(hashFor({ LOG_LEVEL: 'info', EXTRA: '1' })).not.toBe(hashFor({ LOG_LEVEL: 'info' }));
});

test('the config-hash annotation changes when another ConfigMap is used', () => {
  expect(hashFor({ LOG_LEVEL: 'info' }, 'other-config')).not.toBe(hashFor({ LOG_LEVEL: 'info' }));
});

test('the config-hash does not depend on the order of config', () => {
  const hash = (reverse: boolean) => {
    const chart = makeChart();
    const a = new AppConfig(chart, 'a', { ...props, name: 'a-config', data: { A: '1' } });
    const b = new AppConfig(chart, 'b', { ...props, name: 'b-config', data: { B: '1' } });
    new Worker(chart, 'worker', workerProps({ config: reverse ? [b, a] : [a, b] }));
    return podTemplateOf(only(synth(chart), 'Deployment')).metadata.annotations[CONFIG_HASH_ANNOTATION];
  };
  expect(hash(true)).toBe(hash(false));
});

describe('rules', () => {
  const build = (overrides: Partial<AppConfigProps>) => () => new AppConfig(makeChart(), 'config', { ...props, ...overrides });

  test('fails when name is not a DNS-1123 label', () => {
    expect(build({ name: 'API_config' })).toThrow('name ("API_config") must be a DNS-1123 label');
  });

  test('fails when a data key is not an env var name', () => {
    expect(build({ data: { GOOD: '1', 'log-level': 'info', '1ST': 'x' } })).toThrow(
      'data keys (["log-level","1ST"]) must be env var names: letters, digits and \'_\', not starting with a digit',
    );
  });

  test('fails when a data value is not a string', () => {
    const data = { PORT: 8080, DEBUG: true, NAME: 'ok' } as unknown as Record<string, string>;
    expect(build({ data })).toThrow('data values ({"PORT":8080,"DEBUG":true}) must be strings: quote numbers and booleans');
  });

  test('fails with every problem in one error', () => {
    const data = { 'bad-key': 1 } as unknown as Record<string, string>;
    expect(build({ name: 'Bad', data })).toThrow(/name \("Bad"\)[^]*data keys \(\["bad-key"\]\)[^]*data values \(\{"bad-key":1\}\)/);
  });
});

test('exposes the ConfigMap and its sorted data', () => {
  const config = new AppConfig(makeChart(), 'config', { ...props, data: { B: '2', A: '1' } });
  expect(config.configMap.name).toBe('tasknote-api-config');
  expect(config.data).toEqual({ A: '1', B: '2' });
});
