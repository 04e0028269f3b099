// Sealing Secret values for an environment whose Secrets arrive as SealedSecrets: the
// sealed-secrets hybrid format (bitnami-labs/sealed-secrets pkg/crypto HybridEncrypt), written
// with node:crypto, and the plan of which sealed files to write, keep or refuse.
//
// One value's ciphertext: uint16 big-endian length of the RSA part, then RSA-OAEP (SHA-256, the
// scope's label) of a fresh 32-byte AES-256 session key, then AES-256-GCM of the value under
// that key with a zero nonce (each key seals exactly one value), its 16-byte tag appended.
import { createCipheriv, createPublicKey, publicEncrypt, randomBytes, constants, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { stringify } from 'yaml';
import { encryptionLabel, scopeAnnotations, SEALED_SECRET_API_VERSION, type SealingScope } from '../core/sealing-scope';
import { UserError } from '../core/user-error';
import { certificatePath, sealedFilePath, type SealedFile } from '../environments/sealed-store';
import type { ProvidedSecret } from './stack';

const SESSION_KEY_BYTES = 32;
const GCM_NONCE_BYTES = 12;

/** The sealing key of an environment: its certificate (or a bare RSA public key), PEM. */
export function sealingKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new UserError(`${source} is not a PEM certificate or public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new UserError(`${source} holds a ${key.asymmetricKeyType} key; the sealed-secrets controller seals with RSA`);
  if (pem.includes('BEGIN CERTIFICATE')) {
    const cert = new X509Certificate(pem);
    if (Date.parse(cert.validTo) < Date.now()) {
      throw new UserError(`${source} expired on ${cert.validTo}: fetch the controller's current certificate (kubeseal --fetch-cert)`);
    }
  }
  return key;
}

/** One value sealed for `label` (namespace/name, namespace, or '' by scope), base64 as in encryptedData. */
export function sealValue(key: KeyObject, value: Buffer, label: string): string {
  const sessionKey = randomBytes(SESSION_KEY_BYTES);
  const rsa = publicEncrypt(
    { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label, 'utf8') },
    sessionKey,
  );
  const length = Buffer.alloc(2);
  length.writeUInt16BE(rsa.length);
  const cipher = createCipheriv('aes-256-gcm', sessionKey, Buffer.alloc(GCM_NONCE_BYTES));
  const body = Buffer.concat([cipher.update(value), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([length, rsa, body]).toString('base64');
}

/** The values to seal: Secret name -> key -> value. */
export type SecretValues = ReadonlyMap<string, ReadonlyMap<string, Buffer>>;

export interface SealRequest {
  readonly env: string;
  readonly namespace: string;
  readonly secrets: readonly ProvidedSecret[];
  readonly existing: ReadonlyMap<string, SealedFile>;
  readonly values: SecretValues;
  readonly scope: SealingScope;
  /** Drop keys of an existing file that the stack no longer reads, instead of refusing. */
  readonly prune: boolean;
}

export interface SealPlan {
  /** Files to write: the Secret, its object, and which keys are new and which kept. */
  readonly write: { readonly name: string; readonly object: Record<string, unknown>; readonly sealed: string[]; readonly kept: string[] }[];
  /** Secrets left as they are (complete, nothing new given). */
  readonly unchanged: string[];
  /** Keys of a Secret that neither the input nor its sealed file holds. */
  readonly missing: { readonly name: string; readonly keys: string[] }[];
  /** Files not written: they hold keys the stack no longer reads (pass --prune). */
  readonly refused: { readonly name: string; readonly keys: string[] }[];
}

/** Names the input that matches nothing the stack reads; a typo must not pass as "sealed". */
export function unknownInputs(secrets: readonly ProvidedSecret[], values: SecretValues): string[] {
  const out: string[] = [];
  for (const [name, keys] of values) {
    const secret = secrets.find((s) => s.name === name);
    if (!secret) out.push(`${name} (no such Secret; the stack reads ${secrets.map((s) => s.name).join(', ')})`);
    else for (const k of keys.keys()) if (!secret.keys.includes(k)) out.push(`${name}.${k} (${name} has keys ${secret.keys.join(', ')})`);
  }
  return out;
}

/**
 * What sealing `values` means for each Secret the stack reads. A key not given keeps its
 * ciphertext from the sealed file when that file was sealed for the same namespace, name and
 * scope (each value is sealed on its own, so entries can be mixed); otherwise it is missing.
 */
export function planSeal(req: SealRequest, key: KeyObject): SealPlan {
  const plan: SealPlan = { write: [], unchanged: [], missing: [], refused: [] };
  for (const secret of req.secrets) {
    const given = req.values.get(secret.name) ?? new Map<string, Buffer>();
    const file = req.existing.get(secret.name);
    const reusable = file !== undefined && file.scope === req.scope && (req.scope === 'cluster-wide' || file.namespace === req.namespace);
    const old = reusable ? file.encryptedData : {};
    const missing = secret.keys.filter((k) => !given.has(k) && !(k in old));
    const stale = Object.keys(file?.encryptedData ?? {}).filter((k) => !secret.keys.includes(k));
    if (missing.length > 0) {
      plan.missing.push({ name: secret.name, keys: missing });
      continue;
    }
    if (given.size === 0) {
      plan.unchanged.push(secret.name);
      continue;
    }
    if (stale.length > 0 && !req.prune) {
      plan.refused.push({ name: secret.name, keys: stale });
      continue;
    }
    const label = encryptionLabel(req.namespace, secret.name, req.scope);
    const encryptedData: Record<string, string> = {};
    for (const k of secret.keys) encryptedData[k] = given.has(k) ? sealValue(key, given.get(k)!, label) : old[k];
    const metadata = { name: secret.name, namespace: req.namespace, ...annotationsOf(req.scope) };
    plan.write.push({
      name: secret.name,
      sealed: secret.keys.filter((k) => given.has(k)),
      kept: secret.keys.filter((k) => !given.has(k)),
      object: {
        apiVersion: SEALED_SECRET_API_VERSION,
        kind: 'SealedSecret',
        metadata,
        spec: { encryptedData, template: { type: 'Opaque', metadata } },
      },
    });
  }
  return plan;
}

const annotationsOf = (scope: SealingScope) => (scope === 'strict' ? {} : { annotations: scopeAnnotations(scope) });

const HEADER =
  "# Written by `npm run seal`. Sealed with the environment's certificate: only the cluster's sealed-secrets controller can decrypt it; safe to commit.\n";

/** Writes each planned file (temporary file, then rename: a file is never half written). */
export function writePlan(env: string, plan: SealPlan, root?: string): string[] {
  const written: string[] = [];
  for (const w of plan.write) {
    const path = sealedFilePath(env, w.name, root);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, HEADER + stringify(w.object, { lineWidth: 0, aliasDuplicateObjects: false }));
    renameSync(tmp, path);
    written.push(path);
  }
  return written;
}

/** The environment's sealing key from its committed certificate. */
export function loadSealingKey(env: string, root?: string): KeyObject {
  const path = certificatePath(env, root);
  const shown = root ? relative(root, path) : path;
  if (!existsSync(path)) {
    throw new UserError(
      `${shown} is missing: commit the public certificate of the cluster's sealed-secrets controller there (kubeseal --fetch-cert > ${shown})`,
    );
  }
  return sealingKey(readFileSync(path, 'utf8'), shown);
}
