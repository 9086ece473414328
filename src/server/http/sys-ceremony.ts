// Vault's raw key-ceremony endpoints: sys/generate-root/*, sys/rekey/{init,update,verify}, each audited like Vault's handleAuditNonLogical.
import {
  InvalidRequestError,
  isAppError,
  NotFoundError,
  UnsupportedOperationError,
} from '../../sdk/errors.ts'
import { parseBool, parseInt64, parseString, parseStringList } from '../../sdk/framework/fields.ts'
import type { Operation } from '../../sdk/request.ts'
import { type AuditContext, requestEntry, responseEntry } from '../core/audit-entries.ts'
import type { Core } from '../core/core.ts'
import type { UnsealedServices } from '../core/services.ts'
import { emptyResult, type HttpResult, jsonResult } from './http-types.ts'
import { decodeShare } from './sys-raw.ts'

export const CEREMONY_PATHS = new Set([
  'sys/generate-root/attempt',
  'sys/generate-root/update',
  'sys/generate-recovery-token/attempt',
  'sys/generate-recovery-token/update',
  'sys/rekey/init',
  'sys/rekey/update',
  'sys/rekey/verify',
  'sys/rekey-recovery-key/init',
  'sys/rekey-recovery-key/update',
  'sys/rekey-recovery-key/verify',
])

export interface CeremonyRequest {
  id: string
  path: string
  method: string
  data: Record<string, unknown>
  headers: Record<string, string>
  remoteAddress: string
}

/**
 * What the ceremonies use of the core: the two ceremonies, the clock, and the audit broker, which exists only
 * while unsealed (a ceremony may run sealed or not).
 */
export type CeremonyCore = Pick<Core, 'rootGeneration' | 'rekey' | 'clock' | 'sealed'> & {
  readonly services: Pick<UnsealedServices, 'audit' | 'auditedHeaders'>
}

/** A ceremony's answer: a JSON status object, or nothing (204) for a cancel. */
type Answer = { value: object } | undefined

function operationOf(method: string): Operation {
  if (method === 'GET') return 'read'
  if (method === 'DELETE') return 'delete'
  return 'update'
}

/** A string field Vault decodes into a Go string: absent or null is empty. */
function text(data: Record<string, unknown>, name: string): string {
  const value = data[name]
  return value === undefined || value === null ? '' : parseString(value, name)
}

function shareOf(data: Record<string, unknown>): Buffer {
  const key = text(data, 'key')
  if (key === '') throw new InvalidRequestError("'key' must be specified in request body as JSON")
  return decodeShare(key)
}

async function generateRoot(core: CeremonyCore, req: CeremonyRequest): Promise<Answer> {
  const ceremony = core.rootGeneration
  if (req.path === 'sys/generate-root/update') {
    if (req.method !== 'PUT' && req.method !== 'POST') throw new UnsupportedOperationError()
    const share = shareOf(req.data)
    return { value: await ceremony.update(share, text(req.data, 'nonce')) }
  }
  switch (req.method) {
    case 'GET':
      return { value: ceremony.status() }
    case 'PUT':
    case 'POST':
      return {
        value: await ceremony.start({ otp: text(req.data, 'otp'), pgpKey: text(req.data, 'pgp_key') }),
      }
    case 'DELETE':
      ceremony.cancel()
      return undefined
    default:
      throw new UnsupportedOperationError()
  }
}

function pgpKeyList(data: Record<string, unknown>): string[] {
  const value = data['pgp_keys']
  if (value === undefined || value === null || value === '') return []
  return parseStringList(value, 'pgp_keys')
}

async function rekey(core: CeremonyCore, req: CeremonyRequest): Promise<Answer> {
  const ceremony = core.rekey
  const { data } = req
  if (req.path === 'sys/rekey/update') {
    if (req.method !== 'PUT' && req.method !== 'POST') throw new UnsupportedOperationError()
    const share = shareOf(data)
    return { value: await ceremony.update(share, text(data, 'nonce')) }
  }
  if (req.path === 'sys/rekey/verify') {
    switch (req.method) {
      case 'GET':
        return { value: ceremony.verifyStatus() }
      case 'PUT':
      case 'POST': {
        const share = shareOf(data)
        return { value: await ceremony.verify(share, text(data, 'nonce')) }
      }
      case 'DELETE':
        return { value: ceremony.restartVerification() }
      default:
        throw new UnsupportedOperationError()
    }
  }
  switch (req.method) {
    case 'GET':
      return { value: ceremony.status() }
    case 'PUT':
    case 'POST': {
      const int = (name: string) => (data[name] === undefined ? 0 : parseInt64(data[name], name))
      const bool = (name: string) => (data[name] === undefined ? false : parseBool(data[name], name))
      const value = await ceremony.start({
        secretShares: int('secret_shares'),
        secretThreshold: int('secret_threshold'),
        pgpKeys: pgpKeyList(data),
        backup: bool('backup'),
        requireVerification: bool('require_verification'),
      })
      return { value }
    }
    case 'DELETE':
      ceremony.cancel()
      return undefined
    default:
      throw new UnsupportedOperationError()
  }
}

function route(core: CeremonyCore, req: CeremonyRequest): Promise<Answer> {
  if (req.path.startsWith('sys/generate-root/')) return generateRoot(core, req)
  if (req.path.startsWith('sys/rekey/')) return rekey(core, req)
  if (req.path.startsWith('sys/rekey-recovery-key/')) {
    // Vault answers this for a seal without recovery keys, which a Shamir seal is.
    return Promise.reject(new InvalidRequestError('recovery rekeying not supported'))
  }
  // Vault mounts sys/generate-recovery-token only on a server started in recovery mode; elsewhere it is a 404.
  return Promise.reject(
    new NotFoundError(
      'recovery tokens are generated only by a server in recovery mode, which Coffer does not have; use sys/generate-root',
    ),
  )
}

/**
 * Run one ceremony request. While unsealed with an audit device enabled, its request is recorded before anything
 * happens (fail closed) and its answer before it is released; shares, nonces, OTPs and encoded tokens are HMAC'd
 * there like every other string value.
 */
export async function handleCeremony(core: CeremonyCore, req: CeremonyRequest): Promise<HttpResult> {
  const render = (answer: Answer): HttpResult =>
    // Vault's respondOk with no body is a 204.
    answer ? jsonResult(200, answer.value) : emptyResult(204)
  const audit = core.sealed ? undefined : core.services.audit
  const broker = audit?.enabled ? audit : undefined
  if (!broker) return render(await route(core, req))
  const ctx: AuditContext = {
    request: {
      id: req.id,
      operation: operationOf(req.method),
      path: req.path,
      data: req.data,
      token: '',
      headers: req.headers,
      contentType: req.headers['content-type'] ?? '',
      remoteAddress: req.remoteAddress,
    },
    backendRequest: undefined,
    mount: undefined,
    auth: undefined,
    allowed: true,
    now: core.clock.now(),
  }
  // The audited request headers, their hmac-false ones kept in clear (ceremony paths exempt no data keys).
  const headers = core.services.auditedHeaders.current
  const exempt =
    headers === undefined ? undefined : { request: [], response: [], clearHeaders: headers.clear }
  if (headers !== undefined) ctx.auditedHeaders = headers
  await broker.log(requestEntry(ctx), exempt)
  let answer: Answer
  try {
    answer = await route(core, req)
  } catch (error) {
    await broker.log(
      responseEntry(ctx, undefined, isAppError(error) ? error.message : 'internal error'),
      exempt,
    )
    throw error
  }
  await broker.log(
    responseEntry(ctx, answer ? { data: answer.value as Record<string, unknown> } : undefined),
    exempt,
  )
  return render(answer)
}
