// Vault's policyutil.ParsePolicies for endpoints that set a policy list outright (userpass users/:name/policies).

/**
 * Trimmed, lower-cased, without empty names or duplicates, sorted; a list naming "root" becomes just ["root"].
 * The sort is Vault's: these endpoints store the list in this form, where the main write keeps the given order.
 */
export function sanitizePolicies(policies: readonly string[]): string[] {
  const names = policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== '')
  if (names.includes('root')) return ['root']
  return [...new Set(names)].sort()
}
