// The service account a Kubernetes token names, from either the legacy secret-token claims or a projected token's nested ones.

export interface ServiceAccount {
  name: string
  namespace: string
  uid: string
  secretName: string
  audiences: string[]
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '')

/** Projected tokens (the kubernetes.io claim) win over the legacy flat claims, as in Vault. */
export function serviceAccountFromClaims(claims: Record<string, unknown>): ServiceAccount {
  const projected = claims['kubernetes.io']
  const aud = claims['aud']
  const audiences =
    typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : []
  if (projected !== null && typeof projected === 'object') {
    const p = projected as Record<string, unknown>
    const sa = (p['serviceaccount'] ?? {}) as Record<string, unknown>
    return {
      name: str(sa['name']),
      namespace: str(p['namespace']),
      uid: str(sa['uid']),
      secretName: '',
      audiences,
    }
  }
  return {
    name: str(claims['kubernetes.io/serviceaccount/service-account.name']),
    namespace: str(claims['kubernetes.io/serviceaccount/namespace']),
    uid: str(claims['kubernetes.io/serviceaccount/service-account.uid']),
    secretName: str(claims['kubernetes.io/serviceaccount/secret.name']),
    audiences,
  }
}
