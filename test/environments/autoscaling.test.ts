// HPA behavior in environment config: tuned per workload in prod, refused as the API server refuses it.
import { synthesizeEnvironment } from '../../app/synth';
import { loadEnvironment, validateEnvironment } from '../../environments/load';
import { problemsOf } from './problems';

const hpa = (env: string, name: string): any =>
  synthesizeEnvironment(env)
    .files.flatMap((f) => f.objects)
    .find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === name);

test("prod's api sheds one pod every two minutes after ten quiet minutes, and scales up by the defaults", () => {
  expect(hpa('prod', 'tasknote-api').spec.behavior).toEqual({
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Percent', value: 100, periodSeconds: 60 },
        { type: 'Pods', value: 4, periodSeconds: 60 },
      ],
    },
    scaleDown: { stabilizationWindowSeconds: 600, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] },
  });
});

test("prod's worker adds two pods a minute and lets go after three minutes", () => {
  const behavior = hpa('prod', 'tasknote-worker').spec.behavior;
  expect(behavior.scaleUp).toEqual({
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }],
  });
  expect(behavior.scaleDown).toEqual({
    stabilizationWindowSeconds: 180,
    selectPolicy: 'Min',
    policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
  });
});

test('staging keeps the construct defaults', () => {
  expect(hpa('staging', 'tasknote-api').spec.behavior.scaleDown).toEqual({
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Min',
    policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
  });
});

test('fails on a behavior the API server refuses, naming each field as written', () => {
  const prod = loadEnvironment('prod');
  const input = {
    ...prod,
    api: {
      ...prod.api,
      autoscaling: {
        ...prod.api.autoscaling!,
        behavior: { scaleDown: { stabilizationWindowSeconds: 3601, policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 0 }] } },
      },
    },
  };
  expect(problemsOf(() => validateEnvironment('prod', input))).toEqual([
    'api.autoscaling.behavior.scaleDown.stabilizationWindowSeconds: must be an integer from 0 to 3600 (received 3601)',
    'api.autoscaling.behavior.scaleDown.policies.0.periodSeconds: must be an integer from 1 to 1800 (received 0)',
  ]);
});
