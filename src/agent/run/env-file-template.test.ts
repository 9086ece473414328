// Reading a rendered env file: KEY=value, export, quotes and escapes, comments; errors give the line, not its text.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EnvFileError, parseDotenv } from './env-file-template.ts'

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
