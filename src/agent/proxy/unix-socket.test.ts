// The unix listener's socket file: a stale socket is replaced, anything else is not, the mode is applied, and the
// file goes at shutdown.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { listenUnix, removeSocket, resolveId } from './unix-socket.ts'

const dir = mkdtempSync(join(tmpdir(), 'coffer-unix-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** A socket file whose process died without removing it, as after SIGKILL. */
function leaveStaleSocket(path: string): void {
  const script = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`
  spawnSync(process.execPath, ['-e', script])
  assert.ok(statSync(path).isSocket(), 'the stale socket is there')
}

test('a stale socket is replaced; the new one has the mode asked for and is removed at shutdown', async () => {
  const path = join(dir, 'a.sock')
  leaveStaleSocket(path)
  const server = createServer()
  await listenUnix(server, { path, mode: 0o660, user: undefined, group: undefined })
  assert.equal(statSync(path).mode & 0o777, 0o660)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  removeSocket(path)
  assert.equal(existsSync(path), false)
})

test('owner-only when no mode is given', async () => {
  const path = join(dir, 'b.sock')
  const server = createServer()
  await listenUnix(server, { path, mode: undefined, user: undefined, group: undefined })
  assert.equal(statSync(path).mode & 0o777, 0o600)
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

test('a file that is not a socket is never removed', async () => {
  const path = join(dir, 'not-a-socket')
  writeFileSync(path, 'keep me')
  await assert.rejects(
    listenUnix(createServer(), { path, mode: undefined, user: undefined, group: undefined }),
    /is not a socket/,
  )
  removeSocket(path)
  assert.equal(readFileSync(path, 'utf8'), 'keep me')
})

test('user and group names resolve to ids; unknown names are refused', () => {
  assert.equal(resolveId('0', '/etc/passwd'), 0)
  assert.equal(resolveId('root', '/etc/passwd'), 0)
  assert.equal(resolveId('root', '/etc/group'), 0)
  assert.throws(() => resolveId('no-such-user-here', '/etc/passwd'), /unknown user/)
})
