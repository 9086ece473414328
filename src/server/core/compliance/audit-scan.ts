// One pass over a JSON audit log file for the report's window: requests per day, root-token use, root generation, leases issued.
import { CHECKPOINT_TYPE } from '../../../lib/audit-chain/format.ts'
import { jsonLines } from '../../../lib/json-lines.ts'
import { bump, dayOf } from './time-buckets.ts'

type Json = Record<string, unknown>

export interface RootRequest {
  time: string
  operation: string
  path: string
  display_name: string
  remote_address: string
}

export interface AuditFindings {
  requests: number
  denied: number
  requestsByDay: Map<string, number>
  deniedByDay: Map<string, number>
  rootRequests: number
  rootRequestsByDay: Map<string, number>
  /** The most recent root-token requests, newest last, at most RECENT_LIMIT. */
  recentRootRequests: RootRequest[]
  generateRootCompletions: { time: string; remote_address: string }[]
  rootTokensCreated: { time: string; display_name: string; path: string }[]
  /** Lease ids issued in the window, by their role prefix (the lease id up to its last '/'). */
  leasesIssued: Map<string, Set<string>>
}

export const RECENT_LIMIT = 50

function object(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {}
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function holdsRoot(auth: Json): boolean {
  const lists = [auth['policies'], auth['token_policies']]
  return lists.some((list) => Array.isArray(list) && list.includes('root'))
}

export function emptyFindings(): AuditFindings {
  return {
    requests: 0,
    denied: 0,
    requestsByDay: new Map(),
    deniedByDay: new Map(),
    rootRequests: 0,
    rootRequestsByDay: new Map(),
    recentRootRequests: [],
    generateRootCompletions: [],
    rootTokensCreated: [],
    leasesIssued: new Map(),
  }
}

/** Fold one parsed audit entry into `findings` when its time is within [since, until]. */
export function addEntry(findings: AuditFindings, entry: Json, since: number, until: number): void {
  if (entry['type'] === CHECKPOINT_TYPE) return
  const time = Date.parse(text(entry['time']))
  if (Number.isNaN(time) || time < since || time > until) return
  const day = dayOf(time)
  const request = object(entry['request'])
  const auth = object(entry['auth'])
  const path = text(request['path'])
  if (entry['type'] === 'request') {
    findings.requests++
    bump(findings.requestsByDay, day)
    if (text(entry['error']).includes('permission denied')) {
      findings.denied++
      bump(findings.deniedByDay, day)
    }
    if (holdsRoot(auth)) {
      findings.rootRequests++
      bump(findings.rootRequestsByDay, day)
      findings.recentRootRequests.push({
        time: text(entry['time']),
        operation: text(request['operation']),
        path,
        display_name: text(auth['display_name']),
        remote_address: text(request['remote_address']),
      })
      if (findings.recentRootRequests.length > RECENT_LIMIT) findings.recentRootRequests.shift()
    }
    return
  }
  if (entry['type'] !== 'response' || entry['error']) return
  const response = object(entry['response'])
  // A root generation finishes with the response of the update that supplied the last share.
  if (path.startsWith('sys/generate-root/update') && object(response['data'])['complete'] === true)
    findings.generateRootCompletions.push({
      time: text(entry['time']),
      remote_address: text(request['remote_address']),
    })
  const minted = object(response['auth'])
  if (holdsRoot(minted))
    findings.rootTokensCreated.push({
      time: text(entry['time']),
      display_name: text(auth['display_name']),
      path,
    })
  const leaseId = text(object(response['secret'])['lease_id'])
  const slash = leaseId.lastIndexOf('/')
  if (slash > 0) {
    const role = leaseId.slice(0, slash)
    const ids = findings.leasesIssued.get(role)
    if (ids) ids.add(leaseId)
    else findings.leasesIssued.set(role, new Set([leaseId]))
  }
}

/** Read `file` line by line (a log may be large); lines that are not JSON objects are skipped. */
export async function scanAuditFile(file: string, since: number, until: number): Promise<AuditFindings> {
  const findings = emptyFindings()
  for await (const { object } of jsonLines(file)) if (object) addEntry(findings, object, since, until)
  return findings
}
