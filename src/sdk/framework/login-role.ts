// The role a login request names in one of its fields, for BackendDefinition.loginRole (role-based rate limits).

/** A `loginRole` that reads `field` of a request to the `login` path; undefined when absent or empty. */
export function loginRoleFrom(field: string) {
  return ({ path, data }: { path: string; data: Record<string, unknown> }): string | undefined => {
    if (path !== 'login') return undefined
    const value = data[field]
    return typeof value === 'string' && value !== '' ? value : undefined
  }
}
