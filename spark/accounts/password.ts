import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * scrypt, memory-hard: N = 2^15, r = 8, p = 1 costs 32 MiB and about 100 ms per hash on one core.
 * The parameters are stored in each hash, so raising them later keeps old hashes verifiable.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, keyLength: 64, saltLength: 16 } as const;

function derive(password: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p * 2 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keyLength, saltLength } = SCRYPT_PARAMS;
  const salt = randomBytes(saltLength);
  const key = await derive(password, salt, N, r, p, keyLength);
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** False for a wrong password and for any stored value that is not a sound scrypt hash: never throws. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key, ...rest] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !key || rest.length > 0) return false;
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  // Bounds keep a corrupted row from costing unbounded memory or accepting an empty key.
  const sound =
    [N, R, P].every(Number.isSafeInteger) &&
    N >= 2 ** 10 &&
    N <= 2 ** 20 &&
    (N & (N - 1)) === 0 &&
    R >= 1 &&
    R <= 32 &&
    P >= 1 &&
    P <= 16;
  const expected = Buffer.from(key, "base64url");
  const saltBytes = Buffer.from(salt, "base64url");
  if (!sound || expected.length < 32 || saltBytes.length < 16) return false;
  try {
    return timingSafeEqual(await derive(password, saltBytes, N, R, P, expected.length), expected);
  } catch {
    return false;
  }
}

let decoy: Promise<string> | undefined;

/** Burns the same time as a real check, so a response does not tell whether an email exists. */
export async function verifyDecoyPassword(password: string): Promise<false> {
  decoy ??= hashPassword("spark-decoy-password");
  await verifyPassword(password, await decoy);
  return false;
}
