// The message of a failed deploy when the cluster's controller did not make a Secret: read from the
// objects as the Kubernetes provider recorded them in the state (statuses as the controllers write them).
import { controllerSecretProblems, type StateResource } from '../../deploy/controller-secrets';

const SEALED = 'kubernetes:bitnami.com/v1alpha1:SealedSecret';
const EXTERNAL = 'kubernetes:external-secrets.io/v1:ExternalSecret';

function sealed(name: string, status?: object, generation = 2): StateResource {
  return {
    type: SEALED,
    outputs: { kind: 'SealedSecret', metadata: { name, namespace: 'tasknote-prod', generation }, ...(status ? { status } : {}) },
  };
}

test('a SealedSecret sealed with another cluster says so, with the commands that fix it', () => {
  const problems = controllerSecretProblems(
    [
      sealed('tasknote-admin', {
        observedGeneration: 2,
        conditions: [{ type: 'Synced', status: 'False', reason: 'ErrUnsealFailed', message: 'no key could decrypt secret (token)' }],
      }),
      sealed('tasknote-smtp', { observedGeneration: 2, conditions: [{ type: 'Synced', status: 'True' }] }),
    ],
    'prod',
  );
  expect(problems).toHaveLength(1);
  expect(problems[0]).toContain(`SealedSecret 'tasknote-admin': the sealed-secrets controller says "no key could decrypt secret (token)"`);
  expect(problems[0]).toContain("sealed with a certificate that is not this cluster's");
  expect(problems[0]).toContain('kubeseal --fetch-cert > environments/sealed/prod/cert.pem');
  expect(problems[0]).toContain('npm run seal -- --env prod --stdin');
});

test('a Secret that was there before, no controller at all, and a stale status each get their own words', () => {
  const problems = controllerSecretProblems(
    [
      sealed('taken', {
        observedGeneration: 2,
        conditions: [{ type: 'Synced', status: 'False', message: 'Resource "taken" already exists and is not managed by SealedSecret' }],
      }),
      sealed('unanswered'),
      sealed('stale', { observedGeneration: 1, conditions: [{ type: 'Synced', status: 'True' }] }, 2),
    ],
    'staging',
  );
  expect(problems).toEqual([
    expect.stringMatching(/^SealedSecret 'taken': .*annotate it sealedsecrets\.bitnami\.com\/managed=true/),
    expect.stringMatching(/^SealedSecret 'unanswered': no sealed-secrets controller has answered \(no Synced condition\).*kube-system/),
    expect.stringMatching(/^SealedSecret 'stale': the sealed-secrets controller has not yet processed its latest version/),
  ]);
});

test('an ExternalSecret the operator could not fill names the store and remote keys', () => {
  const problems = controllerSecretProblems(
    [
      {
        type: EXTERNAL,
        outputs: {
          metadata: { name: 'tasknote-database', generation: 1 },
          status: {
            conditions: [
              { type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'could not get secret data from provider' },
            ],
          },
        },
      },
    ],
    'staging',
  );
  expect(problems).toEqual([
    `ExternalSecret 'tasknote-database': the External Secrets Operator says "could not get secret data from provider"; check the store (secrets.store) and the remote key (secrets.remoteKeys) of environment 'staging', or see kubectl describe externalsecret`,
  ]);
});

test('other resources, and controller-made Secrets that arrived, say nothing', () => {
  expect(
    controllerSecretProblems(
      [
        { type: 'kubernetes:core/v1:Secret', outputs: { metadata: { name: 'x' } } },
        { type: 'kubernetes:apps/v1:Deployment' },
        sealed('fine', { observedGeneration: 3, conditions: [{ type: 'Synced', status: 'True' }] }, 3),
      ],
      'dev',
    ),
  ).toEqual([]);
});
