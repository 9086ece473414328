// Tests for what the dev server writes outside its storage: the root token file is owner-only.
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
