// Images: pinned by tag, by digest where the environment demands it, pulled sensibly.
import type { Container } from '../model';
import { workloadRule, type Rule } from '../rule';

export interface ImageRef {
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `registry:5000/path/name:tag@sha256:…` into its tag and digest. */
export function parseImage(image: string): ImageRef {
  const [nameTag, digest] = image.split('@', 2);
  const lastPart = nameTag.slice(nameTag.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  return { tag: colon >= 0 ? lastPart.slice(colon + 1) : undefined, digest };
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const image = (c: Container): string => (typeof c.container.image === 'string' ? c.container.image : '');

export const IMAGE_RULES: Rule[] = [
  workloadRule(
    { id: 'image-tag', severity: 'error', description: 'no `:latest` or untagged image', source: 'KS, PO, KL, CK_K8S_14' },
    function* (w) {
      for (const c of w.containers) {
        const ref = parseImage(image(c));
        if (ref.tag === 'latest' || (ref.tag === undefined && ref.digest === undefined)) {
          yield {
            path: [...c.path, 'image'],
            found: `container ${c.name} uses image ${JSON.stringify(image(c))}${ref.tag ? '' : ' (untagged means :latest)'}`,
            fix: 'pin a version tag such as :1.4.2, or a digest @sha256:…',
          };
        }
      }
    },
  ),
  workloadRule(
    {
      id: 'image-digest',
      severity: 'error',
      description: 'images are pinned by digest',
      source: 'CK_K8S_43',
      group: 'pinned-images',
    },
    function* (w) {
      for (const c of w.containers) {
        const { digest } = parseImage(image(c));
        if (digest === undefined || !DIGEST.test(digest)) {
          yield {
            path: [...c.path, 'image'],
            found: `container ${c.name} uses image ${JSON.stringify(image(c))} without a sha256 digest`,
            fix: 'pin the image by digest (name:tag@sha256:<64 hex>) so what was tested is what runs',
          };
        }
      }
    },
  ),
  workloadRule(
    {
      id: 'image-pull-policy',
      severity: 'error',
      description: 'digest-pinned images use imagePullPolicy: IfNotPresent',
      source: 'documented choice against KS/PO/CK_K8S_15',
    },
    function* (w) {
      for (const c of w.containers) {
        if (parseImage(image(c)).digest === undefined || c.container.imagePullPolicy === 'IfNotPresent') continue;
        yield {
          path: [...c.path, 'imagePullPolicy'],
          found: `container ${c.name} pins a digest with imagePullPolicy ${c.container.imagePullPolicy === undefined ? 'unset' : String(c.container.imagePullPolicy)}`,
          fix: 'set imagePullPolicy: IfNotPresent: a digest never changes, so pulling again only adds a registry dependency',
        };
      }
    },
  ),
];
