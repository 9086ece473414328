// A database secrets engine connected to the loopback MariaDB (root, no password) with one dynamic role.
import assert from 'node:assert/strict'

type Call = (
  method: string,
  path: string,
  opts?: { body?: unknown },
) => Promise<{ status: number; body?: unknown }>

/** Mount `mount` (unless mounted already), connect `maria` and add `role` issuing users for `defaultTtl`. */
export async function mariaDbEngine(
  call: Call,
  { mount = 'database', role = 'app', defaultTtl = '1h', enable = true } = {},
): Promise<void> {
  if (enable) {
    const mounted = await call('POST', `sys/mounts/${mount}`, { body: { type: 'database' } })
    assert.equal(mounted.status, 204, JSON.stringify(mounted.body))
  }
  const config = await call('POST', `${mount}/config/maria`, {
    body: {
      plugin_name: 'mysql-database-plugin',
      connection_url: '{{username}}:{{password}}@tcp(127.0.0.1:3306)/',
      username: 'root',
      password: '',
      allowed_roles: '*',
    },
  })
  assert.ok(config.status === 204 || config.status === 200, JSON.stringify(config.body))
  const created = await call('POST', `${mount}/roles/${role}`, {
    body: {
      db_name: 'maria',
      creation_statements: ["CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'"],
      default_ttl: defaultTtl,
    },
  })
  assert.equal(created.status, 204, JSON.stringify(created.body))
}
