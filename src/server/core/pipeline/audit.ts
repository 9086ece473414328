// Pipeline stage "audit": the request's audit entries, fail closed; a denial is recorded before it is answered.
import { PermissionDeniedError } from '../../../sdk/errors.ts'
import type { CloudTrailLine } from '../../audit/broker.ts'
import type { AuditEntry } from '../../audit/entry.ts'
import type { AuditExemptions } from '../../audit/hmac.ts'
import type { AuditedHeaderSet } from '../../audit/request-headers.ts'
import { awsTarget, cloudTrailLine } from '../audit-cloudtrail.ts'
import { type AuditContext, entryPair, requestEntry, responseEntry } from '../audit-entries.ts'
import type { CoreResponse, LogicalRequest, RequestAuth } from '../logical-request.ts'
import type { MountEntry } from '../mount-table.ts'
import type { UnsealedServices } from '../services.ts'
import type { Routed } from './route.ts'

export type AuditServices = Pick<UnsealedServices, 'audit' | 'auditedHeaders' | 'logger' | 'clock'>

export interface RequestAudit {
  /** Record a refused request (when a device is enabled) and throw 403 permission denied. */
  deny(): Promise<never>
  /** Record a refused request with this reason, when a device is enabled. */
  refuse(reason: string): Promise<void>
  /** Record the request before its handler runs (a change), or nothing yet (a read); call once authorised. */
  beforeHandle(): Promise<void>
  /** Record the outcome: the response or the error (`cause` is what was thrown, for an AWS call's error code). */
  outcome(out: CoreResponse | undefined, error?: string, cause?: unknown): Promise<unknown> | undefined
}

export function requestAudit(
  services: AuditServices,
  req: LogicalRequest,
  routed: Routed,
  auth: RequestAuth | undefined,
): RequestAudit {
  const { path, backendRequest } = routed
  const entry = routed.route.entry
  // Audit is fail-closed and costs nothing when no device is enabled. One exception: disabling an audit
  // device must work when no device can record, or a broken device would lock every operator out.
  const broker = services.audit.enabled ? services.audit : undefined
  // The headers audited now (sys/config/auditing/request-headers), one set for all of this request's entries.
  const headers = broker ? services.auditedHeaders.current : undefined
  // The mount's tuned audit_non_hmac_request_keys and _response_keys stay in clear in its entries, as in Vault,
  // and so do the values of the audited headers configured with hmac false.
  const exempt = auditExemptions(entry, headers)
  const escapeHatch = req.operation === 'delete' && path.startsWith('sys/audit/')
  const audit = broker && {
    log: (auditEntry: AuditEntry, trail?: CloudTrailLine) =>
      escapeHatch
        ? broker.log(auditEntry, exempt).catch((error: unknown) => {
            services.logger.log('warn', 'audit device disabled without an audit record', {
              error: String(error),
            })
          })
        : broker.log(auditEntry, exempt, trail),
  }
  // A call through the AWS front door, when a format=cloudtrail device will record it as CloudTrail does.
  const target = broker?.wantsCloudTrail ? awsTarget(req) : undefined
  const trail = (out: CoreResponse | undefined, failure?: { message: string; cause?: unknown }) =>
    target === undefined ? undefined : cloudTrailLine(target, req, auth, services.clock.now(), out, failure)
  const auditCtx: AuditContext = {
    request: req,
    backendRequest,
    mount: entry,
    auth,
    allowed: true,
    now: services.clock.now(),
  }
  if (headers !== undefined) auditCtx.auditedHeaders = headers
  const refuse = async (reason: string): Promise<void> => {
    if (audit)
      await audit.log(
        requestEntry({ ...auditCtx, allowed: false }, reason),
        trail(undefined, { message: reason }),
      )
  }
  // Whether the request is a read is known only once authorise has turned an update into a create or not.
  let isRead = false
  return {
    refuse,
    deny: async (): Promise<never> => {
      await refuse('permission denied')
      throw new PermissionDeniedError()
    },
    beforeHandle: async () => {
      // A change is made only once its request is on record. A read has no effect to undo, so its request entry is
      // recorded together with its response entry, in one device write; the response is still withheld until both
      // are on record, so a read fails closed exactly like a write.
      isRead = backendRequest.operation === 'read' || backendRequest.operation === 'list'
      const requestLogged =
        audit && !isRead
          ? audit.log(requestEntry(auditCtx), target === undefined ? undefined : null)
          : undefined
      if (requestLogged) await requestLogged
    },
    outcome: (out, error, cause) => {
      if (!broker) return undefined
      const line = trail(out, error === undefined ? undefined : { message: error, cause })
      // A read's two entries share their auth and request sections; the broker writes them as one pair.
      if (isRead) {
        const [request, response] = entryPair(auditCtx, out, error)
        return broker.logPair(request, response, exempt, line)
      }
      return audit!.log(responseEntry(auditCtx, out, error), line)
    },
  }
}

/** What a request's entries keep in clear: the mount's non-HMAC data keys and the headers audited without hmac. */
export function auditExemptions(mount: MountEntry, headers: AuditedHeaderSet | undefined): AuditExemptions {
  const exempt: AuditExemptions = {
    request: mount.config.auditNonHmacRequestKeys,
    response: mount.config.auditNonHmacResponseKeys,
  }
  if (headers !== undefined) exempt.clearHeaders = headers.clear
  return exempt
}
