// KV helpers: discover a path's mount and KV version, and build v2 API paths (data/, metadata/, delete/ ...).
import { ApiError, type VaultClient } from '../client/index.ts'
import { CliError, remote } from './context.ts'

export type KvVersion = 1 | 2

export interface KvLocation {
  /** Mount path with a trailing slash ("secret/"), or "" when the server could not tell us. */
  mountPath: string
  version: KvVersion
  /** The secret's path relative to the mount, without leading or trailing slashes. */
  relative: string
}

export type KvPrefix = 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy' | 'subkeys' | 'config'

/** Trim surrounding slashes and collapse doubled ones, as users type paths many ways. */
export function sanitizePath(path: string): string {
  return path
    .replace(/\/{2,}/g, '/')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
}

/** Join a mount, an API prefix and a relative path: ("secret/", "data", "a/b") → "secret/data/a/b". */
export function kvApiPath(location: KvLocation, prefix: KvPrefix): string {
  if (location.version === 1) return sanitizePath(location.mountPath + location.relative)
  const mount = sanitizePath(location.mountPath)
  return [mount, prefix, location.relative].filter((part) => part !== '').join('/')
}

/** The secret's path as the user would name it (mount + relative), for messages. */
export function kvDisplayPath(location: KvLocation): string {
  return sanitizePath(location.mountPath + location.relative)
}

/** Interpret a sys/internal/ui/mounts answer: where the mount is and which KV version it runs. */
export function parseMountInfo(body: unknown): { mountPath: string; version: KvVersion } {
  const data = (body as { data?: { path?: unknown; options?: { version?: unknown } | null } } | null)?.data
  const path = typeof data?.path === 'string' ? data.path : ''
  const version = String(data?.options?.version ?? '1') === '2' ? 2 : 1
  return { mountPath: path === '' ? '' : `${sanitizePath(path)}/`, version }
}

/**
 * Ask the server which mount hosts `path` (the Vault CLI does the same before every kv command).
 * 404 means an older server or no such route: treat the path as KV v1 used as is.
 */
export async function preflight(
  client: VaultClient,
  path: string,
): Promise<{ mountPath: string; version: KvVersion }> {
  try {
    const res = await client.request('GET', `sys/internal/ui/mounts/${sanitizePath(path)}`)
    return parseMountInfo(res.body)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { mountPath: '', version: 1 }
    if (error instanceof ApiError && error.status === 403) {
      throw new CliError(
        `Error looking up the mount of ${sanitizePath(path)}: permission denied. Either no secrets engine is ` +
          `mounted there, or the token has no capability anywhere on that mount.`,
        2,
      )
    }
    return remote(`Error looking up the mount of ${sanitizePath(path)}`, () => Promise.reject(error))
  }
}

/** Resolve a kv command's target from the positional path and the optional -mount flag. */
export async function locateKv(
  client: VaultClient,
  path: string,
  mount: string | undefined,
): Promise<KvLocation> {
  if (mount !== undefined && mount !== '') {
    const mountPath = `${sanitizePath(mount)}/`
    const info = await preflight(client, mountPath)
    return { mountPath, version: info.version, relative: sanitizePath(path) }
  }
  const clean = sanitizePath(path)
  const info = await preflight(client, clean)
  if (info.mountPath === '') return { mountPath: '', version: info.version, relative: clean }
  const mountNoSlash = sanitizePath(info.mountPath)
  const relative =
    clean === mountNoSlash
      ? ''
      : clean.startsWith(info.mountPath)
        ? clean.slice(info.mountPath.length)
        : clean
  return { mountPath: info.mountPath, version: info.version, relative }
}

export function requireV2(location: KvLocation, command: string): void {
  if (location.version !== 2) {
    throw new CliError(
      `${command} needs a KV version 2 mount; ${kvDisplayPath(location)} is on KV version 1`,
      1,
    )
  }
}
