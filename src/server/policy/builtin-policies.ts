// The two policies every server has: "root" (all access, never stored) and "default" (attached to most tokens).
import { parsePolicy } from './parse-policy.ts'
import type { Policy } from './policy.ts'

export const ROOT_POLICY_NAME = 'root'
export const DEFAULT_POLICY_NAME = 'default'

/**
 * HCL of the "default" policy: what any token needs to look after itself, use its cubbyhole,
 * wrap and unwrap responses and hash data. Mirrors the grants of Vault's default policy.
 */
export const DEFAULT_POLICY = `# Installed on first start; operators may edit it but not delete it.

# A token may inspect itself.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

# A token may extend or end its own life.
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# A token may ask what it is allowed to do.
path "sys/capabilities-self" {
  capabilities = ["update"]
}

# The UI asks for the caller's merged ACL to decide what to show.
path "sys/internal/ui/resultant-acl" {
  capabilities = ["read"]
}

# Leases the token holds can be renewed and inspected (sys/renew is the older spelling).
path "sys/renew" {
  capabilities = ["update"]
}
path "sys/leases/renew" {
  capabilities = ["update"]
}
path "sys/leases/lookup" {
  capabilities = ["update"]
}

# A token may read the identity entity it acts for (the paths are filled in per token; without an entity
# they match nothing).
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# Each token's private cubbyhole.
path "cubbyhole/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap data, inspect a wrapping token, unwrap it.
path "sys/wrapping/wrap" {
  capabilities = ["update"]
}
path "sys/wrapping/lookup" {
  capabilities = ["update"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}

# Hashing needs no secret material, with or without an algorithm in the path.
path "sys/tools/hash" {
  capabilities = ["update"]
}
path "sys/tools/hash/*" {
  capabilities = ["update"]
}
`

/** Wrapping tokens carry only this built-in policy: unwrap their own response, nothing else. */
export const RESPONSE_WRAPPING_POLICY_NAME = 'response-wrapping'

/** Policies only the server itself hands out (Vault's control-group included): no token create or login may. */
export const NON_ASSIGNABLE_POLICIES: readonly string[] = [RESPONSE_WRAPPING_POLICY_NAME, 'control-group']

const RESPONSE_WRAPPING_POLICY = `
path "cubbyhole/response" {
  capabilities = ["create", "read"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}
`

export function responseWrappingPolicy(): Policy {
  return parsePolicy(RESPONSE_WRAPPING_POLICY_NAME, RESPONSE_WRAPPING_POLICY)
}

/** The root policy carries no rules: the ACL recognises it by name and allows everything. */
export function rootPolicy(): Policy {
  return { name: ROOT_POLICY_NAME, raw: '', rules: [] }
}

export function defaultPolicy(): Policy {
  return parsePolicy(DEFAULT_POLICY_NAME, DEFAULT_POLICY)
}
