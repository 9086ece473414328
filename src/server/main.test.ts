// `coffer server` flags: -h prints the usage (as `vault server -h` does) and starts nothing; unknown flags point to it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runServerCommand, SERVER_USAGE } from './main.ts'

describe('coffer server flags', () => {
  for (const flag of ['-h', '-help', '--help']) {
    it(`${flag} prints the usage, naming every flag, and starts no server`, async () => {
      const lines: string[] = []
      const server = await runServerCommand(['-dev', flag], (line) => lines.push(line))
      assert.equal(server, undefined)
      assert.deepEqual(lines, [SERVER_USAGE])
      for (const name of ['-config', '-dev-listen-address', '-dev-root-token-id', '-dev-inmem', '-log-level'])
        assert.match(SERVER_USAGE, new RegExp(`^  ${name}\\b`, 'm'))
    })
  }

  it('an unknown flag is refused with the usage', async () => {
    await assert.rejects(
      runServerCommand(['-dev', '-dev-tls'], () => {}),
      (error: Error) => {
        assert.ok(
          error.message.startsWith('unknown flag -dev-tls\n\nUsage: coffer server [options]'),
          error.message,
        )
        return true
      },
    )
  })
})
