// The one parser of container image references (`registry:5000/path/name:tag@sha256:…`).
// The repository grammar of the container runtimes (github.com/distribution/reference):
// an optional registry host[:port], then path components joined by one of `.`, `_`, `__` or
// dashes. Host names kept in lower case here.
const REGISTRY_HOST = '(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])(?:\\.(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]))*(?::[0-9]+)?';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REPO = new RegExp(`^(?:${REGISTRY_HOST}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
/** Registry host[:port] and an optional path, as an image reference starts (the part before `/<image>`). */
export const REGISTRY_PREFIX = new RegExp(`^${REGISTRY_HOST}(?:/${PATH_COMPONENT})*$`);
/** distribution/reference's NameTotalLengthMax. */
export const IMAGE_NAME_MAX = 255;

/** A port inside a registry host (`host:port/...`) must be one a client can connect to. */
export function registryPortOk(repository: string): boolean {
  const first = repository.split('/')[0];
  const m = /:([0-9]+)$/.exec(first);
  if (!m) return true;
  const port = Number(m[1]);
  return repository.includes('/') && Number.isInteger(port) && port >= 1 && port <= 65535;
}
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** A parsed image reference. */
export interface ImageReference {
  /** Registry and path, e.g. `localhost:5001/tasknote-api`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Splits `repo[:tag][@digest]` without judging it: a port in the registry is not a tag.
 * Use `parseImageReference` to also check the shape.
 */
export function splitImageReference(ref: string): ImageReference {
  const at = ref.indexOf('@');
  const nameTag = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const colon = nameTag.lastIndexOf(':');
  const hasTag = colon > nameTag.lastIndexOf('/');
  return {
    repository: hasTag ? nameTag.slice(0, colon) : nameTag,
    ...(hasTag ? { tag: nameTag.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** Splits and checks `repo[:tag][@sha256:…]`; undefined when the shape is wrong. */
export function parseImageReference(ref: string): ImageReference | undefined {
  if (ref.split('@').length > 2) return undefined;
  const parsed = splitImageReference(ref);
  if (parsed.digest !== undefined && !IMAGE_DIGEST.test(parsed.digest)) return undefined;
  if (!IMAGE_REPO.test(parsed.repository) || parsed.repository.length > IMAGE_NAME_MAX || !registryPortOk(parsed.repository)) return undefined;
  if (parsed.tag !== undefined && !IMAGE_TAG.test(parsed.tag)) return undefined;
  return parsed;
}
