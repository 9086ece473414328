// Masking for display: enough of a secret to recognise it, never enough to use it.

/** Keep a short recognisable head (a known prefix or PEM label); replace the rest with asterisks. */
export function maskSecret(secret: string): string {
  if (secret.startsWith('-----BEGIN')) {
    const header = /^-----BEGIN [A-Z0-9 ]+-----/.exec(secret)?.[0] ?? '-----BEGIN'
    return `${header}********`
  }
  const prefix = /^(?:[a-z]{2,6}[_.-](?:[a-z]{2,5}[_-])?|[A-Z]{4})/.exec(secret)?.[0] ?? ''
  const keep = Math.min(Math.max(prefix.length, secret.length >= 16 ? 4 : 0), Math.floor(secret.length / 3))
  return `${secret.slice(0, keep)}${'*'.repeat(Math.min(12, Math.max(4, secret.length - keep)))}`
}
