// Alternating users' naming and cloning: <user>/<user>_clone, MariaDB grants re-addressed, Redis ACL rules copied without passwords.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { alternateUsername } from './alternating-users.ts'
import { cloneGrants, quoteString } from './mysql.ts'
import { aclRulesOf } from './redis.ts'

it('usernames alternate between <user> and <user>_clone', () => {
  assert.equal(alternateUsername('app'), 'app_clone')
  assert.equal(alternateUsername('app_clone'), 'app')
  assert.equal(alternateUsername(alternateUsername('a_clone_b')), 'a_clone_b')
})

it('SHOW GRANTS lines are re-addressed to the clone, without the original’s password hash', () => {
  const grants = [
    "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*667F407DE7C6AD07358FA38DAED7828A72014B4E'",
    'GRANT SELECT, INSERT ON `test`.* TO `app`@`%` WITH GRANT OPTION',
    'GRANT `reporting` TO `app`@`%`',
    'GRANT SELECT ON `app`.`t` TO `app`@`%`',
  ]
  assert.deepEqual(cloneGrants(grants, 'app', 'app_clone', '%'), [
    'GRANT USAGE ON *.* TO `app_clone`@`%`',
    'GRANT SELECT, INSERT ON `test`.* TO `app_clone`@`%` WITH GRANT OPTION',
    'GRANT `reporting` TO `app_clone`@`%`',
    'GRANT SELECT ON `app`.`t` TO `app_clone`@`%`',
  ])
  // A name holding a backtick is matched in its quoted form only.
  assert.deepEqual(cloneGrants(['GRANT SELECT ON *.* TO `a``b`@`h`'], 'a`b', 'a`b_clone', 'h'), [
    'GRANT SELECT ON *.* TO `a``b_clone`@`h`',
  ])
})

it('string literals are escaped for the session’s sql_mode', () => {
  assert.equal(quoteString(`it's \\ done`, true), `'it''s \\\\ done'`)
  assert.equal(quoteString(`it's \\ done`, false), `'it''s \\ done'`)
})

it('ACL GETUSER (Redis 7, RESP2) becomes rules without any password', () => {
  const reply = [
    'flags',
    ['on', 'nopass', 'sanitize-payload'],
    'passwords',
    ['30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4'],
    'commands',
    '-@all +get +ping',
    'keys',
    '~app:* %R~ro:*',
    'channels',
    '&news',
    'selectors',
    [['commands', '-@all +set', 'keys', '~w:*', 'channels', '']],
  ]
  const rules = aclRulesOf(reply)
  assert.deepEqual(rules, [
    'on',
    'sanitize-payload',
    '~app:*',
    '%R~ro:*',
    'resetchannels',
    '&news',
    '-@all',
    '+get',
    '+ping',
    '(-@all +set ~w:*)',
  ])
  assert.ok(!rules.some((rule) => rule === 'nopass' || rule.startsWith('#') || rule.startsWith('>')))
})

it('ACL GETUSER from Redis 6.2 (pattern lists) gets the prefixes back', () => {
  const reply = ['flags', ['on'], 'passwords', [], 'commands', '+@read', 'keys', ['a:*'], 'channels', ['c']]
  assert.deepEqual(aclRulesOf(reply), ['on', '~a:*', 'resetchannels', '&c', '+@read'])
})
