// unused: the policy grants no allowed request in the file audit logs exercised since a time, found by streaming them.
import { createReadStream, existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Acl } from '../../policy/acl.ts'
import { ROOT_POLICY_NAME } from '../../policy/builtin-policies.ts'
import type { TemplateIdentity } from '../../policy/template.ts'
import type { UnsealedServices } from '../services.ts'
import { ruleText, writtenPattern } from './rule-text.ts'
import { attribute } from './who-can.ts'

/** What the unused-grant scan reads: the policies, and entities for templated paths. */
export type UnusedServices = Pick<UnsealedServices, 'policies' | 'identity'>

/** The capabilities a request exercises by its operation; sudo, deny and subscribe are not operations. */
const TRACKED = ['create', 'read', 'update', 'delete', 'list', 'patch'] as const
type Tracked = (typeof TRACKED)[number]

export interface UnusedGrant {
  policy: string
  pattern: string
  capability: string
  rule: string
}

export interface UnusedAnswer {
  /** RFC 3339 start of the window. */
  since: string
  files: string[]
  /** Lines read, and among them the allowed requests (response entries) in the window that were checked. */
  lines: number
  scanned: number
  /** Grants (policy, rule, capability) considered, and those exercised at least once. */
  grants: number
  used: number
  unused: UnusedGrant[]
  /** Capabilities the scan cannot attribute to a request, so never reported unused. */
  untracked: string[]
}

type Json = Record<string, unknown>

function object(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined
}

function grantKey(policy: string, pattern: string, capability: string): string {
  return `${policy}\0${pattern}\0${capability}`
}

/** An allowed request of the window, as the audit line tells it: caller policies, entity, path and operation. */
interface Exercised {
  policies: string[]
  entityId: string
  path: string
  operation: Tracked
}

function exercised(line: string, since: number): Exercised | undefined | 'skip' {
  let entry: Json | undefined
  try {
    entry = object(JSON.parse(line))
  } catch {
    return 'skip'
  }
  if (entry?.['type'] !== 'response') return 'skip'
  const time = typeof entry['time'] === 'string' ? Date.parse(entry['time']) : Number.NaN
  if (Number.isNaN(time) || time < since) return 'skip'
  const auth = object(entry['auth'])
  const request = object(entry['request'])
  if (!auth || !request || !Array.isArray(auth['policies'])) return undefined
  // A refusal never exercised a grant: refused by the ACL, or (a denial inside a multi-error text) by Vault's wording.
  if (typeof entry['error'] === 'string' && entry['error'].includes('permission denied')) return undefined
  if (object(auth['policy_results'])?.['allowed'] === false) return undefined
  const operation = request['operation']
  const path = request['path']
  if (typeof path !== 'string' || !TRACKED.includes(operation as Tracked)) return undefined
  return {
    policies: auth['policies'].filter((p): p is string => typeof p === 'string'),
    entityId: typeof auth['entity_id'] === 'string' ? auth['entity_id'] : '',
    path,
    operation: operation as Tracked,
  }
}

/** Unused grants over `files` (JSON audit lines) since `since` (ms). Each file is streamed a line at a time. */
export async function unusedGrants(
  services: UnusedServices,
  files: readonly string[],
  since: number,
): Promise<UnusedAnswer> {
  const all = new Map<string, UnusedGrant>()
  const names = (await services.policies.list()).filter((name) => name !== ROOT_POLICY_NAME)
  for (const policy of await services.policies.policiesFor(names)) {
    for (const rule of policy.rules) {
      for (const capability of TRACKED) {
        if (!rule.capabilities.has(capability) || rule.capabilities.has('deny')) continue
        const pattern = writtenPattern(rule)
        all.set(grantKey(policy.name, pattern, capability), {
          policy: policy.name,
          pattern,
          capability,
          rule: ruleText(rule),
        })
      }
    }
  }
  // Templated rules only match once filled in from the caller's entity; entities are looked up once each.
  const identities = new Map<string, TemplateIdentity | undefined>()
  const identityOf = async (entityId: string) => {
    if (entityId === '') return undefined
    if (!identities.has(entityId))
      identities.set(entityId, (await services.identity.resolve(entityId))?.template)
    return identities.get(entityId)
  }
  const used = new Set<string>()
  let lines = 0
  let scanned = 0
  const read: string[] = []
  for (const file of files) {
    if (!existsSync(file)) continue
    read.push(file)
    const input = createReadStream(file, { encoding: 'utf8' })
    const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
    try {
      for await (const line of reader) {
        lines++
        const found = exercised(line, since)
        if (found === 'skip') continue
        scanned++
        if (!found || found.policies.includes(ROOT_POLICY_NAME)) continue
        const acl: Acl = await services.policies.acl(found.policies, await identityOf(found.entityId))
        for (const item of attribute(acl, found.path)) {
          if (item.capability !== found.operation || !item.rule) continue
          used.add(grantKey(item.policy, writtenPattern(item.rule), item.capability))
        }
      }
    } finally {
      reader.close()
      input.destroy()
    }
  }
  const unused = [...all]
    .filter(([key]) => !used.has(key))
    .map(([, grant]) => grant)
    .sort(
      (a, b) =>
        a.policy.localeCompare(b.policy) ||
        a.pattern.localeCompare(b.pattern) ||
        TRACKED.indexOf(a.capability as Tracked) - TRACKED.indexOf(b.capability as Tracked),
    )
  return {
    since: new Date(since).toISOString(),
    files: read,
    lines,
    scanned,
    grants: all.size,
    used: [...all.keys()].filter((key) => used.has(key)).length,
    unused,
    untracked: ['sudo', 'subscribe'],
  }
}
