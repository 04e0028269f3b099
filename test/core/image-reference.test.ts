import { parseImageReference, splitImageReference } from '../../core/image-reference';
import { DIGEST } from '../constructs/helpers';

describe('parseImageReference', () => {
  test.each([
    ['postgres:16.4', { repository: 'postgres', tag: '16.4' }],
    ['registry.example.com:5000/team/api:1.2.3', { repository: 'registry.example.com:5000/team/api', tag: '1.2.3' }],
    [`ghcr.io/org/api@${DIGEST}`, { repository: 'ghcr.io/org/api', digest: DIGEST }],
    [`ghcr.io/org/api:1.0@${DIGEST}`, { repository: 'ghcr.io/org/api', tag: '1.0', digest: DIGEST }],
    ['ghcr.io/org/api', { repository: 'ghcr.io/org/api' }],
  ])('parses %s', (ref, expected) => {
    expect(parseImageReference(ref)).toEqual(expected);
  });

  test.each(['Api:1', 'api:1@sha256:short', `api@${DIGEST}@${DIGEST}`, 'api:-bad', ''])('rejects %p', (ref) => {
    expect(parseImageReference(ref)).toBeUndefined();
  });
});

describe('splitImageReference', () => {
  test('a registry port is not a tag', () => {
    expect(splitImageReference('localhost:5001/tasknote-api')).toEqual({ repository: 'localhost:5001/tasknote-api' });
  });
  test('splits what it does not judge', () => {
    expect(splitImageReference('Api:x@sha256:short')).toEqual({ repository: 'Api', tag: 'x', digest: 'sha256:short' });
  });
});
