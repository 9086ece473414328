// A PostgreSQL SCRAM-SHA-256 password verifier (RFC 5802/7677), so a generated password never reaches the database in clear.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'

/**
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, the form PostgreSQL stores and accepts in
 * CREATE/ALTER ROLE ... PASSWORD as already hashed. The password is used as its UTF-8 bytes: SASLprep leaves the
 * printable ASCII that password policies generate unchanged.
 */
export function scramSha256Verifier(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = 4096,
): string {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}
