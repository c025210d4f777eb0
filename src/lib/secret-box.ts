/**
 * Secrets at rest: AES-256-GCM with the operator's CW_SECRET_KEY. A sealed value is
 * "v1.<iv>.<tag>.<ciphertext>" (base64url parts, a fresh random 12-byte IV each time), so the
 * same secret sealed twice never looks the same, and a wrong key or any changed byte is detected
 * by the authentication tag instead of yielding garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";
const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export const WRONG_KEY_MESSAGE = "cannot decrypt: wrong CW_SECRET_KEY or corrupted value";

/** A value that cannot be opened. The message never contains the value itself. */
export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

export function sealSecret(key: Buffer, plaintext: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(".");
}

export function openSecret(key: Buffer, sealed: string): string {
  checkKey(key);
  const parts = sealed.split(".");
  if (parts[0] !== VERSION) {
    throw new SecretBoxError(`cannot decrypt: not a sealed ${VERSION} value`);
  }
  if (parts.length !== 4 || !parts.every((part) => BASE64URL.test(part))) {
    throw new SecretBoxError(WRONG_KEY_MESSAGE);
  }
  const [, ivText = "", tagText = "", ciphertextText = ""] = parts;
  const iv = Buffer.from(ivText, "base64url");
  const tag = Buffer.from(tagText, "base64url");
  // GCM would accept a shortened tag, which weakens the check: insist on the full 16 bytes.
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError(WRONG_KEY_MESSAGE);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertextText, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretBoxError(WRONG_KEY_MESSAGE);
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError(`CW_SECRET_KEY must be ${KEY_BYTES} bytes, not ${key.length}`);
  }
}
