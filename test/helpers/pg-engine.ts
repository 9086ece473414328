// A database secrets engine connected to a throwaway PostgreSQL database (trust auth) with dynamic roles.
import assert from 'node:assert/strict'
import { pgRoleTag } from './pg-database.ts'

type Call = (
  method: string,
  path: string,
  opts?: { body?: unknown },
) => Promise<{ status: number; body?: unknown }>

/**
 * CREATE ROLE for a dynamic user in the test database `url`, tagged so the database's drop() removes it; with
 * `validUntil` the role also expires in PostgreSQL when its lease does.
 */
export function pgCreateRole(url: string, validUntil = false): string {
  const create = validUntil
    ? "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"
    : 'CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\';'
  return `${create} ${pgRoleTag(url)}`
}

export interface PgRole {
  defaultTtl: string
  maxTtl?: string
  validUntil?: boolean
}

/** Mounts `database/`, connects it to `url` as `pg`, and adds each role issuing PostgreSQL users. */
export async function postgresEngine(call: Call, url: string, roles: Record<string, PgRole>): Promise<void> {
  const mounted = await call('POST', 'sys/mounts/database', { body: { type: 'database' } })
  assert.equal(mounted.status, 204, JSON.stringify(mounted.body))
  const config = await call('POST', 'database/config/pg', {
    body: {
      plugin_name: 'postgresql-database-plugin',
      connection_url: url,
      username: 'postgres',
      password: 'unused-with-trust',
      allowed_roles: '*',
    },
  })
  assert.ok(config.status < 300, JSON.stringify(config.body))
  for (const [name, role] of Object.entries(roles)) {
    const created = await call('POST', `database/roles/${name}`, {
      body: {
        db_name: 'pg',
        creation_statements: [pgCreateRole(url, role.validUntil)],
        default_ttl: role.defaultTtl,
        ...(role.maxTtl ? { max_ttl: role.maxTtl } : {}),
      },
    })
    assert.equal(created.status, 204, JSON.stringify(created.body))
  }
}
