// Which listed keys a caller may see: Coffer filters LIST results by ACL, which Vault has never done.
import type { Acl } from '../policy/acl.ts'
import { listKeysCheckPath } from '../policy/list-keys-filter-path.ts'
import type { Policy } from '../policy/policy.ts'

/** True when some non-deny rule could match `prefix` itself or a path below it. */
export function anyRuleUnder(policies: readonly Policy[], prefix: string): boolean {
  const want = prefix.split('/').filter((seg, i, all) => seg !== '' || i < all.length - 1)
  return policies.some((policy) =>
    policy.rules.some(
      (rule) =>
        !rule.capabilities.has('deny') && rule.capabilities.size > 0 && couldReach(rule.pattern, want),
    ),
  )
}

function couldReach(pattern: string, want: string[]): boolean {
  const segs = pattern.split('/')
  for (let i = 0; i < want.length; i++) {
    const seg = segs[i]
    if (seg === undefined) return false
    const last = i === segs.length - 1
    if (last && seg.endsWith('*')) return want[i]!.startsWith(seg.slice(0, -1))
    if (seg !== '+' && seg !== want[i]) return false
  }
  return true
}

/**
 * True when one prefix rule decides everything below `base` and it grants something: then every listed key
 * is visible and the per-key checks (a thousand ACL lookups for a large folder) can be skipped. Any rule that
 * could single out part of the folder (an exact path, a `+`, a longer prefix) makes the answer false.
 */
export function wholeFolderVisible(acl: Acl, policies: readonly Policy[], base: string): boolean {
  const want = base.split('/').filter((seg, i, all) => seg !== '' || i < all.length - 1)
  for (const policy of policies) {
    for (const rule of policy.rules) {
      if (!couldReach(rule.pattern, want)) continue
      const uniform =
        rule.pattern.endsWith('*') &&
        !rule.pattern.includes('+') &&
        base.startsWith(rule.pattern.slice(0, -1))
      if (!uniform) return false
    }
  }
  return acl.capabilities(`${base}\u0000`).some((cap) => cap !== 'deny')
}

/** Keep the keys of a LIST under `base` (ending in '/') that the caller can do anything with. */
export function filterListKeys(
  acl: Acl,
  policies: readonly Policy[],
  base: string,
  keys: unknown[],
  aliases: (fullPath: string) => string[],
): unknown[] {
  if (wholeFolderVisible(acl, policies, base)) return keys
  return keys.filter((key) => {
    if (typeof key !== 'string') return false
    const full = base + key
    return [full, ...aliases(full)].some((path) =>
      key.endsWith('/') ? anyRuleUnder(policies, path) : acl.capabilities(path).some((cap) => cap !== 'deny'),
    )
  })
}

/**
 * The server's list_filter setting. 'policy': LIST keys are filtered as above (Coffer's default). 'vault': every
 * key is returned to anyone allowed to list, as Vault does; a policy's list_scan_response_keys_filter_path
 * still applies in both modes, since an operator wrote it.
 */
export type ListFilterMode = 'policy' | 'vault'

/**
 * OpenBao's list_scan_response_keys_filter_path: keep a listed key when the caller may `read` the templated path
 * (`list` it, for a folder key ending in '/'), with no request data, and sudo where that path is root-protected.
 * `key_info` follows `keys`. Like OpenBao, a response with any other field is refused (an internal error) rather
 * than passed on half-filtered.
 */
export function filterListByTemplate(
  acl: Acl,
  template: string,
  path: string,
  data: Record<string, unknown>,
  needsSudo: (checkPath: string) => boolean,
  now: number,
): Record<string, unknown> {
  const extra = Object.keys(data).find((name) => name !== 'keys' && name !== 'key_info')
  if (extra !== undefined)
    throw new Error(`list_scan_response_keys_filter_path: unexpected field "${extra}" in the LIST of ${path}`)
  const keys = data['keys']
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string'))
    throw new Error(`list_scan_response_keys_filter_path: the LIST of ${path} has no list of string keys`)
  const kept = keys.filter((key: string) => {
    const checkPath = listKeysCheckPath(template, path, key, now)
    const decision = acl.authorize({
      path: checkPath,
      operation: key.endsWith('/') ? 'list' : 'read',
      data: {},
    })
    return decision.allowed && (decision.sudo || !needsSudo(checkPath))
  })
  const out: Record<string, unknown> = { keys: kept }
  const info = data['key_info']
  if (info !== null && typeof info === 'object') {
    out['key_info'] = Object.fromEntries(
      kept
        .filter((key) => Object.hasOwn(info, key))
        .map((key) => [key, (info as Record<string, unknown>)[key]]),
    )
  }
  return out
}
