// Test helpers: a throwaway sealing key pair, and the controller's side of the hybrid format
// (pkg/crypto HybridDecrypt) to prove what `seal` writes opens with the private key and label.
import { createDecipheriv, generateKeyPairSync, privateDecrypt, constants, type KeyObject } from 'node:crypto';

export function keyPair(): { publicPem: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

/** Opens one encryptedData value as the sealed-secrets controller does; throws when the key or label is wrong. */
export function unseal(privateKey: KeyObject, b64: string, label: string): string {
  const data = Buffer.from(b64, 'base64');
  const rsaLength = data.readUInt16BE(0);
  const sessionKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) },
    data.subarray(2, 2 + rsaLength),
  );
  const body = data.subarray(2 + rsaLength);
  const decipher = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
}
