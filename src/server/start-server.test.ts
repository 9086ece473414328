// Tests for the dev server around its storage: the root token file is owner-only, and a restart on kept data works.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { startServer } from './start-server.ts'

const home = mkdtempSync(join(tmpdir(), 'coffer-dev-home-'))
after(() => rmSync(home, { recursive: true, force: true }))

describe('dev server token file', () => {
  it('replaces a pre-existing 0644 ~/.coffer-token with a 0600 one under umask 022', async () => {
    const previousHome = process.env['HOME']
    const previousMask = process.umask(0o022)
    // os.homedir() reads HOME, so the server writes into the temporary home.
    process.env['HOME'] = home
    const file = join(home, '.coffer-token')
    writeFileSync(file, 'stale-token', { mode: 0o644 })
    try {
      const server = await startServer({
        dev: true,
        inmem: true,
        storeToken: true,
        listenAddress: '127.0.0.1:0',
      })
      try {
        assert.equal(readFileSync(file, 'utf8'), server.rootToken)
        assert.equal((statSync(file).mode & 0o777).toString(8), '600')
      } finally {
        await server.close()
      }
    } finally {
      process.umask(previousMask)
      if (previousHome === undefined) delete process.env['HOME']
      else process.env['HOME'] = previousHome
    }
  })
})

describe('dev server restart on its data folder', () => {
  it('makes the root token again when it was revoked before the restart, chosen or kept', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'coffer-dev-data-'))
    const start = (rootTokenId?: string) =>
      startServer({
        dev: true,
        dataDir,
        listenAddress: '127.0.0.1:0',
        ...(rootTokenId ? { devRootTokenId: rootTokenId } : {}),
      })
    const selfRevoke = async (address: string, token: string) => {
      const answer = await fetch(`${address}/v1/auth/token/revoke-self`, {
        method: 'POST',
        headers: { 'x-vault-token': token },
      })
      assert.equal(answer.status, 204)
      const after = await fetch(`${address}/v1/sys/mounts`, { headers: { 'x-vault-token': token } })
      assert.equal(after.status, 403)
    }
    const works = async (address: string, token: string) => {
      const answer = await fetch(`${address}/v1/sys/mounts`, { headers: { 'x-vault-token': token } })
      assert.equal(answer.status, 200)
    }
    try {
      // The kept (generated) root token, revoked, then a restart without a chosen one.
      let server = await start()
      const kept = server.rootToken
      await selfRevoke(server.address, kept)
      await server.close()
      server = await start()
      assert.equal(server.rootToken, kept)
      await works(server.address, kept)
      // A chosen root token, revoked, then a restart choosing it again.
      await server.close()
      server = await start('dev-root-again')
      await works(server.address, 'dev-root-again')
      await selfRevoke(server.address, 'dev-root-again')
      await server.close()
      server = await start('dev-root-again')
      await works(server.address, 'dev-root-again')
      await server.close()
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
