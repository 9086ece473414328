// Revokes what a dev server's database engines issued, so their users do not outlive the test on the shared servers.
import assert from 'node:assert/strict'

type Call = (
  method: string,
  path: string,
  opts?: { body?: unknown },
) => Promise<{ status: number; body?: unknown }>

/**
 * Revokes every lease under each database mount (wherever a remount left it), running the roles' revocation
 * statements. A dev server keeps its leases in memory, so closing it with a lease still live leaves the user behind.
 */
export async function revokeDatabaseLeases(call: Call): Promise<void> {
  const mounts = await call('GET', 'sys/mounts')
  assert.equal(mounts.status, 200, JSON.stringify(mounts.body))
  const data = (mounts.body as { data: Record<string, { type: string }> }).data
  for (const [path, mount] of Object.entries(data)) {
    if (mount.type !== 'database') continue
    const revoked = await call('PUT', `sys/leases/revoke-prefix/${path}`, { body: { sync: true } })
    assert.equal(revoked.status, 204, JSON.stringify(revoked.body))
  }
}
