import { PersistentVolumeClaim, PersistentVolumeClaimProps, Worker } from '../../constructs';
import { containerOf, makeChart, Manifest, only, podTemplateOf, synth, workerProps } from './helpers';

const props: PersistentVolumeClaimProps = { name: 'tasknote-files', component: 'attachments', storageGiB: 5, storageClassName: 'standard' };

function claim(overrides: Partial<PersistentVolumeClaimProps> = {}): Manifest {
  const chart = makeChart();
  new PersistentVolumeClaim(chart, 'files', { ...props, ...overrides });
  return only(synth(chart), 'PersistentVolumeClaim', 'tasknote-files');
}

test('minimal props snapshot', () => {
  expect(claim()).toMatchSnapshot();
});

test('requests the given class and size', () => {
  const c = claim();
  expect(c.spec.storageClassName).toBe('standard');
  expect(c.spec.resources).toEqual({ requests: { storage: '5Gi' } });
  expect(c.metadata).toMatchObject({ namespace: 'tasknote-test', labels: { 'app.kubernetes.io/component': 'attachments' } });
});

test("accessMode defaults to 'ReadWriteOnce'", () => {
  expect(claim().spec.accessModes).toEqual(['ReadWriteOnce']);
  expect(claim({ accessMode: 'ReadWriteOncePod' }).spec.accessModes).toEqual(['ReadWriteOncePod']);
});

test('asVolume names the volume after the claim by default', () => {
  const pvc = new PersistentVolumeClaim(makeChart(), 'files', props);
  expect(pvc.asVolume()).toEqual({ name: 'tasknote-files', persistentVolumeClaim: { claimName: 'tasknote-files' } });
  expect(pvc.asVolume('data')).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'tasknote-files' } });
});

test('a workload mounts the claim through asVolume', () => {
  const chart = makeChart();
  const pvc = new PersistentVolumeClaim(chart, 'files', props);
  new Worker(chart, 'worker', workerProps({ extraVolumes: [{ volume: pvc.asVolume(), mountPath: '/files' }] }));
  const deploy = only(synth(chart), 'Deployment');
  expect(podTemplateOf(deploy).spec.volumes).toContainEqual({
    name: 'tasknote-files',
    persistentVolumeClaim: { claimName: 'tasknote-files' },
  });
  expect(containerOf(deploy).volumeMounts).toContainEqual({ name: 'tasknote-files', mountPath: '/files', readOnly: false });
});

describe('rules', () => {
  const build = (overrides: Partial<PersistentVolumeClaimProps>) => () =>
    new PersistentVolumeClaim(makeChart(), 'files', { ...props, ...overrides });

  test('fails when name is not a DNS-1123 label', () => {
    expect(build({ name: 'Files' })).toThrow('name ("Files") must be a DNS-1123 label');
  });

  test('fails when storageGiB is not a positive integer', () => {
    expect(build({ storageGiB: 0 })).toThrow('storageGiB (0) must be an integer >= 1');
    expect(build({ storageGiB: 0.5 })).toThrow('storageGiB (0.5) must be an integer >= 1');
  });

  test('fails when storageClassName is not a DNS-1123 label', () => {
    expect(build({ storageClassName: 'Fast SSD' })).toThrow('storageClassName ("Fast SSD") must be a DNS-1123 label');
  });

  test('fails with every problem in one error', () => {
    expect(build({ name: 'F', storageGiB: -1, storageClassName: '' })).toThrow(
      /PersistentVolumeClaim 'files' has invalid props:\n {2}- name \("F"\)[^]*\n {2}- storageGiB \(-1\)[^]*\n {2}- storageClassName \(""\)/,
    );
  });
});
