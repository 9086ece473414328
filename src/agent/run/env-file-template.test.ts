// Reading a rendered env file: KEY=value, export, quotes and escapes, comments; errors give the line, not its text.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { VaultClient } from '../../client/index.ts'
import { EnvFileError, EnvFileTemplate, parseDotenv } from './env-file-template.ts'

test('KEY=value lines, export, quotes and comments', () => {
  const text = [
    '# a comment',
    '',
    'PLAIN=abc def ',
    'export EXPORTED=1',
    'DOUBLE="line1\\nline2 \\"q\\" \\\\"',
    "SINGLE='$not \\n expanded'",
    'EMPTY=',
    'WITH_EQUALS=a=b',
    '  INDENTED = spaced  \r',
  ].join('\n')
  assert.deepEqual(parseDotenv(text), {
    PLAIN: 'abc def',
    EXPORTED: '1',
    DOUBLE: 'line1\nline2 "q" \\',
    SINGLE: '$not \\n expanded',
    EMPTY: '',
    WITH_EQUALS: 'a=b',
    INDENTED: 'spaced',
  })
})

test('a line that is not KEY=value is refused by number, without its contents', () => {
  assert.throws(
    () => parseDotenv('OK=1\nhunter2-secret-value\n'),
    (error: unknown) =>
      error instanceof EnvFileError &&
      /line 2 of the rendered env file is not KEY=value/.test(error.message) &&
      !error.message.includes('hunter2'),
  )
  assert.throws(() => parseDotenv('1BAD=x'), /line 1/)
})

test('a value holding line breaks, quotes or backslashes stays one variable, exactly as it was', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-env-template-'))
  try {
    const file = join(dir, 'env.tmpl')
    writeFileSync(file, 'DB_PASSWORD="{{ env "PW" }}"\nPEM="{{ env "KEY" }}"\nOTHER={{ env "PLAIN" }}\n')
    // A hostile value tries to close its quotes and line and set a variable that runs code in the child.
    const hostile = 'x"\nNODE_OPTIONS=--require=/tmp/evil.js\nY="\\'
    const pem = '-----BEGIN KEY-----\r\nabc\n-----END KEY-----\n'
    // The server is never asked: only env is used.
    const client = new VaultClient({ address: 'http://127.0.0.1:9' })
    const template = new EnvFileTemplate(client, file, { PW: hostile, KEY: pem, PLAIN: 'plain-value' })
    assert.deepEqual(await template.render(), { DB_PASSWORD: hostile, PEM: pem, OTHER: 'plain-value' })
    client.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
