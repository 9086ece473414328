// Removes rotation credentials a stopped server left behind: temporary policies and aws-keys roles of attempts that
// never reached their close (a crash, a kill). Tokens and sessions expire by themselves; these would not.
import { randomBytes } from 'node:crypto'
import { handleRequest, type RequestCore } from '../core/handle-request.ts'

/** The names scoped-credentials.ts gives: `rotation-<12 hex>` (and `-setup` for the role-making policy). */
export const TEMPORARY_NAME = /^rotation-[0-9a-f]{12}(-setup)?$/
const ACCESS_KEYS_TYPE = 'aws-keys'
const SWEEP_TTL_SECONDS = 120

/**
 * Delete every temporary rotation policy and role whose id is not in `live` (the attempts running now, on this
 * node: rotations run on the active node only). Returns how many were removed.
 */
export async function removeLeftovers(core: RequestCore, live: ReadonlySet<string>): Promise<number> {
  const services = core.services
  const idOf = (name: string) => name.replace(/-setup$/, '')
  let removed = 0
  for (const name of await services.policies.list()) {
    if (!TEMPORARY_NAME.test(name) || live.has(idOf(name))) continue
    await services.policies.delete(name)
    removed++
  }
  const mount = services.mounts.entries.find((e) => e.table === 'auth' && e.type === ACCESS_KEYS_TYPE)
  if (!mount) return removed
  const base = `${mount.path.startsWith('auth/') ? mount.path : `auth/${mount.path}`}role/`
  const policy = `rotation-sweep-${randomBytes(6).toString('hex')}`
  await services.policies.write(
    policy,
    `path "${base}" { capabilities = ["list"] }\npath "${base}rotation-*" { capabilities = ["delete"] }`,
  )
  const sweeper = await services.tokens.create({
    policies: [policy],
    parentHash: '',
    ttl: SWEEP_TTL_SECONDS,
    maxTtl: SWEEP_TTL_SECONDS,
    renewable: false,
    path: 'auth/token/create',
    displayName: 'rotation-sweep',
  })
  const call = (operation: 'list' | 'delete', path: string) =>
    handleRequest(core, {
      id: crypto.randomUUID(),
      operation,
      path,
      data: {},
      token: sweeper.token,
      headers: {},
      contentType: 'application/json',
      remoteAddress: '127.0.0.1',
    })
  try {
    const listed = await call('list', base).catch(() => undefined)
    const roles = (listed?.data?.['keys'] as string[] | undefined) ?? []
    for (const role of roles) {
      if (!TEMPORARY_NAME.test(role) || live.has(role)) continue
      await call('delete', `${base}${role}`)
      removed++
    }
  } finally {
    await services.tokens.revokeTree(sweeper.entry.idHash)
    await services.policies.delete(policy)
  }
  return removed
}
