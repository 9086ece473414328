// The generic rule's cheap line pre-check never drops an assignment the full extraction would report.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ScanEngine } from './engine.ts'
import { extractAssignments } from './generic.ts'

const engine = new ScanEngine()
const VALUE = 'Qm7vR2xK9pL4wZ8t'

/** Every form of a name meeting its value: bare, quoted, XML, escaped quotes, the `??=`/`||=` operators. */
const FOUND: [path: string, text: string][] = [
  ['config/app.yaml', `db:\n  password: "${VALUE}"\n`],
  ['src/a.ts', `const apiKey = '${VALUE}'`],
  ['src/a.ts', `opts.secretValue ??= "${VALUE}"`],
  ['src/a.ts', `opts.authToken ||= "${VALUE}"`],
  ['src/a.rb', `config = { "client_secret" => "${VALUE}" }`],
  ['config.json', `{ "my token value": "${VALUE}" }`],
  ['config.json', `{ "it's the token": "${VALUE}" }`],
  ['app.xml', `<settings><password>${VALUE}</password></settings>`],
  ['analysis.ipynb', `    "api_key = \\"${VALUE}\\"\\n",`],
  ['Dockerfile', `ENV DB_PASSWORD ${VALUE}`],
  ['.env', `export GITLAB_TOKEN=${VALUE}`],
  ['run.sh', `deploy --password=${VALUE} --verbose`],
  ['src/a.go', `\tsecretKey := "${VALUE}"`],
]

test('assignments to secret names are found in every form the pre-check admits', () => {
  for (const [path, text] of FOUND) {
    const found = engine.scanText(text, path)
    assert.ok(
      found.some((f) => f.secret === VALUE && f.ruleId !== 'generic'),
      `${path}: ${text} → ${JSON.stringify(found.map((f) => [f.ruleId, f.masked]))}`,
    )
  }
})

test('lines where a secret word meets no operator are not findings', () => {
  for (const text of [
    `if (!token) return "${VALUE}"`,
    `log(getToken(user), "${VALUE}")`,
    `password strength ${VALUE}`,
  ])
    assert.deepEqual(engine.scanText(text, 'src/a.ts'), [], text)
})

test('a name never starts inside a word: the leftmost assignment of each name is the one extracted', () => {
  assert.deepEqual(
    extractAssignments(`9token="${VALUE}" x.password = 'abc' a="b"c_secret=d`, 'code').map((a) => [
      a.name,
      a.value,
    ]),
    [
      ['token', VALUE],
      ['x.password', 'abc'],
      ['a', 'b'],
      ['c_secret', 'd'],
    ],
  )
})

test('settings that name how passwords are checked or stored are not passwords', () => {
  for (const [path, text] of [
    ['main.tf', 'password_authentication = "scram-sha-256"'],
    ['postgresql.conf', "password_encryption = 'scram-sha-256'"],
    ['docs/db.md', 'with `password_authentication = "scram-sha-256"` set'],
  ] as const)
    assert.deepEqual(engine.scanText(text, path), [], `${path}: ${text}`)
  // The same words do not hide a real password assigned to a name that holds one.
  for (const name of ['db_password', 'password_encryption_key'])
    assert.ok(
      engine.scanText(`${name} = "${VALUE}"`, 'main.tf').some((f) => f.secret === VALUE),
      name,
    )
})
