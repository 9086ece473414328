// Parsed ACL policy types shared by the parser, the compiled ACL and the policy store.

export type Capability =
  | 'create'
  | 'read'
  | 'update'
  | 'patch'
  | 'delete'
  | 'list'
  | 'sudo'
  | 'deny'
  /** Vault's event capability: receive events whose data_path this rule governs. */
  | 'subscribe'

export const CAPABILITIES: readonly Capability[] = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
  'subscribe',
]

export interface PathRule {
  /** The path as written, leading '/' removed; may end in '*' and contain '+' segments. */
  pattern: string
  capabilities: Set<Capability>
  /** Parameter name (lower-cased) → permitted values; an empty list permits any value. */
  allowedParameters?: Record<string, unknown[]>
  /** Parameter name (lower-cased) → forbidden values; an empty list forbids any value. */
  deniedParameters?: Record<string, unknown[]>
  requiredParameters?: string[]
  /** Seconds. */
  minWrappingTtl?: number
  /** Seconds. */
  maxWrappingTtl?: number
  /** OpenBao's list_scan_response_keys_filter_path: per listed key, the templated path the caller must reach. */
  listKeysFilterPath?: string
  /** Vault's subscribe_event_types: event type patterns (`*` globs) the subscribe capability covers; absent = all. */
  subscribeEventTypes?: string[]
  /** The pattern as the policy wrote it, when identity templates were filled in to make `pattern`. */
  written?: string
}

export interface Policy {
  name: string
  /** The policy text as stored and shown back by sys/policies/acl (after base64 decoding). */
  raw: string
  rules: PathRule[]
  /** Accepted but likely unintended constructs, reported to whoever writes the policy. */
  warnings?: string[]
}
