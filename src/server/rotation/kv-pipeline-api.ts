// The KV calls a built-in rotation function makes for a KV v2 secret, as requests through the pipeline (policies, audit).
import { randomBytes } from 'node:crypto'
import type { KvApi } from '../../sdk/rotation.ts'
import { handleRequest, type RequestCore } from '../core/handle-request.ts'

/** The length of a password drawn without a policy: 24 random bytes as base64url, 32 characters. */
const DEFAULT_PASSWORD_BYTES = 24

export function kvPipelineApi(
  core: RequestCore,
  opts: { token: string; mountPath: string; path: string; requestId: () => string },
): KvApi {
  const call = (operation: 'read' | 'update', path: string, data: Record<string, unknown> = {}) =>
    handleRequest(core, {
      id: opts.requestId(),
      operation,
      path,
      data,
      token: opts.token,
      headers: { 'user-agent': 'coffer-rotation' },
      contentType: 'application/json',
      remoteAddress: '127.0.0.1',
    })
  const dataPath = `${opts.mountPath}data/${opts.path}`
  return {
    read: async () => {
      const response = await call('read', dataPath)
      const body = response?.data as { data?: unknown; metadata?: { version?: unknown } } | undefined
      if (!body || body.data === null || typeof body.data !== 'object') return undefined
      return { data: body.data as Record<string, unknown>, version: Number(body.metadata?.version) }
    },
    write: async (data, cas) => {
      const response = await call('update', dataPath, { data, options: { cas } })
      return Number(response?.data?.['version'])
    },
    generatePassword: async (policy) => {
      if (policy === undefined) return randomBytes(DEFAULT_PASSWORD_BYTES).toString('base64url')
      const response = await call('read', `sys/policies/password/${policy}/generate`)
      return String(response?.data?.['password'])
    },
  }
}
