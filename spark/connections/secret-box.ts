import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** A stored connection password cannot be read without the key the operator keeps outside the database. */
export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

const VERSION = "v1";

function keyOf(secret: string): Buffer {
  // The operator's key may be any long random text; SHA-256 turns it into the 32 bytes AES-256 needs.
  return createHash("sha256").update(`spark connection passwords\0${secret}`).digest();
}

export function seal(plain: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(secret), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [
    VERSION,
    iv.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
    body.toString("base64url"),
  ].join(".");
}

export function open(sealed: string, secret: string): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || body === undefined)
    throw new SecretBoxError("The stored password is damaged; enter it again.");
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyOf(secret), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretBoxError(
      "The stored password cannot be opened with this SPARK_SECRET_KEY; set the key it was saved with, or enter the password again.",
    );
  }
}
