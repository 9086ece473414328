// `?help=1` on any path: Vault's help operation, answered from the matched backend's declarations.

import { NotFoundError, PermissionDeniedError } from '../../sdk/errors.ts'
import { type BackendHelpBody, backendHelp } from '../../sdk/framework/openapi/backend-help.ts'
import { type AuditContext, requestEntry, responseEntry } from './audit-entries.ts'
import { effectivePolicies } from './identity/effective.ts'
import type { LogicalRequest, RequestAuth } from './logical-request.ts'
import { auditExemptions } from './pipeline/audit.ts'
import type { UnsealedServices } from './services.ts'
import { tokenAddressAllowed } from './token/token-entry.ts'

export type HelpRequest = Omit<LogicalRequest, 'operation' | 'wrapTtl'>

/** The services help uses; the caller hands them over only while unsealed (`core.services` is a 503 otherwise). */
export type HelpServices = Pick<
  UnsealedServices,
  'mounts' | 'tokens' | 'identity' | 'audit' | 'auditedHeaders' | 'clock'
>

/**
 * Vault lets any valid token read help on any path — its ACL allows the help operation before looking at
 * capabilities, sudo paths included (hashicorp/vault#18568) — and wants no token on unauthenticated paths
 * (logins). Help shows declarations only, never stored data. Like any request it is audited, as operation
 * "help", and spends one use of a token with limited uses.
 */
export async function handleHelp(
  services: HelpServices,
  req: HelpRequest,
  version: string,
): Promise<BackendHelpBody> {
  const path = req.path
  const route = services.mounts.router.match(path)
  if (!route) throw new NotFoundError(`no handler for route "${path}". route entry not found.`)
  const { backend, entry, relativePath } = route
  if (services.mounts.isTainted(entry))
    throw new NotFoundError(`no handler for route "${path}". route entry is tainted.`)

  let auth: RequestAuth | undefined
  if (req.token !== '') {
    const tokenEntry = await services.tokens.lookup(req.token)
    if (tokenEntry && tokenAddressAllowed(tokenEntry, req.remoteAddress))
      auth = { token: req.token, entry: tokenEntry }
  }
  const broker = services.audit.enabled ? services.audit : undefined
  const headers = broker ? services.auditedHeaders.current : undefined
  const exempt = auditExemptions(entry, headers)
  const request: LogicalRequest = { ...req, operation: 'read' }
  const auditCtx: AuditContext = {
    request,
    backendRequest: undefined,
    mount: entry,
    auth,
    allowed: true,
    now: services.clock.now(),
    operation: 'help',
  }
  if (headers !== undefined) auditCtx.auditedHeaders = headers
  const deny = async (): Promise<never> => {
    if (broker) await broker.log(requestEntry({ ...auditCtx, allowed: false }, 'permission denied'), exempt)
    throw new PermissionDeniedError()
  }
  if (!backend.isSpecial('unauthenticated', relativePath)) {
    if (!auth) return deny()
    // A disabled entity's tokens are refused here as everywhere.
    if (!(await effectivePolicies(services.identity, auth.entry))) return deny()
    const use = await services.tokens.useOnce(auth.entry)
    if (use === 'gone') return deny()
    if (use === 'last') auth.lastUse = true
  }
  try {
    const body = backendHelp(backend, path, relativePath, version)
    if (!body) {
      if (broker)
        await broker.logPair(
          requestEntry(auditCtx),
          responseEntry(auditCtx, undefined, 'unsupported path'),
          exempt,
        )
      throw new NotFoundError('unsupported path')
    }
    if (broker) {
      const data = body as unknown as Record<string, unknown>
      await broker.logPair(requestEntry(auditCtx), responseEntry(auditCtx, { data }), exempt)
    }
    return body
  } finally {
    if (auth?.lastUse) await services.tokens.revokeTree(auth.entry.idHash)
  }
}
