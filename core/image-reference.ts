// The one parser of container image references (`registry:5000/path/name:tag@sha256:…`).
const IMAGE_REPO = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d{1,5})?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/;
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
  if (!IMAGE_REPO.test(parsed.repository) || (parsed.tag !== undefined && !IMAGE_TAG.test(parsed.tag))) return undefined;
  return parsed;
}
