// The rotators' shared suite: one real database, a real Coffer over the AWS SDK, whole rotations and their edge cases.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, it } from 'node:test'
import { describeUnless, unmet } from '../../../test/helpers/requirements.ts'
import type { TestDatabase } from '../../../test/helpers/rotation-databases.ts'
import { holder, rotate, type SmHarness, STEPS, startSmHarness, step } from '../../../test/helpers/sm-api.ts'
import { builtinRotators } from './index.ts'

/** Rejects, and the message names no password among `passwords`. */
async function rejectsWithout(work: Promise<unknown>, pattern: RegExp, passwords: string[]): Promise<string> {
  const error = await work.then(
    () => assert.fail('expected the step to fail'),
    (e: unknown) => e as Error,
  )
  assert.match(error.message, pattern)
  for (const password of passwords)
    if (password.length >= 4)
      assert.ok(!error.message.includes(password), `a password leaked: ${error.message}`)
  return error.message
}

export async function rotatorSuite(db: TestDatabase): Promise<void> {
  describeUnless(await unmet(...db.requirements), `built-in rotators against ${db.name}`, () => {
    let h: SmHarness
    const users: string[] = []
    const single = builtinRotators[`${db.rotatorPrefix}-single-user`]!
    const alternating = builtinRotators[`${db.rotatorPrefix}-alternating-users`]!
    let masterArn: string

    /** A fresh user holding the probe grant, and its secret (as the templates expect it). */
    async function userWithSecret(
      options: {
        name?: string
        password?: string
        master?: boolean
        selfRotating?: boolean
        extra?: object
      } = {},
    ) {
      const username = options.name ?? `rt_${randomBytes(4).toString('hex')}`
      const password = options.password ?? `Pw-${randomBytes(9).toString('base64url')}`
      users.push(username, `${username}_clone`)
      await db.createUser(username, password, { selfRotating: options.selfRotating ?? true })
      const arn = await h.createSecret(`rotation/${randomUUID()}`, {
        ...db.base,
        username,
        password,
        ...(options.master ? { masterarn: masterArn } : {}),
        ...options.extra,
      })
      return { username, password, arn }
    }

    before(async () => {
      await db.start()
      h = await startSmHarness()
      masterArn = await h.createSecret('rotation/master', { ...db.base, ...db.master })
    })
    after(async () => {
      for (const user of users) await db.dropUser(user).catch(() => {})
      await h?.close()
      await db.stop()
    })

    it('single user: the new password logs in, the old one no longer does; the labels end as AWS leaves them', async () => {
      const { username, password, arn } = await userWithSecret()
      const first = holder(await h.stages(arn), 'AWSCURRENT')!
      const token = await rotate(single, h.sm, arn)
      const now = await h.value(arn)
      assert.equal(now['username'], username)
      assert.notEqual(now['password'], password)
      assert.equal(await db.works(username, String(now['password'])), true)
      assert.equal(await db.logsIn(username, password), false)
      const stages = await h.stages(arn)
      assert.deepEqual(stages[token]?.toSorted(), ['AWSCURRENT', 'AWSPENDING'])
      assert.deepEqual(stages[first], ['AWSPREVIOUS'])
      // A second rotation starts from the new current value; the first password stays refused.
      const second = await rotate(single, h.sm, arn)
      const after2 = await h.value(arn)
      assert.equal(await db.works(username, String(after2['password'])), true)
      assert.equal(await db.logsIn(username, String(now['password'])), false)
      assert.equal(holder(await h.stages(arn), 'AWSPREVIOUS'), token)
      assert.equal(holder(await h.stages(arn), 'AWSCURRENT'), second)
    })

    it('every step repeated is idempotent: one pending version, one password change, AWSCURRENT moved once', async () => {
      const { username, password, arn } = await userWithSecret()
      const token = randomUUID()
      const run = (name: Parameters<typeof step>[4]) => step(single, h.sm, arn, token, name)
      await run('createSecret')
      const pending = await h.value(arn, 'AWSPENDING')
      await run('createSecret')
      assert.deepEqual(await h.value(arn, 'AWSPENDING'), pending)
      assert.equal(Object.keys(await h.stages(arn)).length, 2)
      await run('setSecret')
      await run('setSecret')
      assert.equal(await db.works(username, String(pending['password'])), true)
      assert.equal(await db.logsIn(username, password), false)
      await run('testSecret')
      await run('testSecret')
      await run('finishSecret')
      const after1 = await h.stages(arn)
      await run('finishSecret')
      // Once the token is AWSCURRENT every step is a no-op, as the templates' guard makes it.
      await run('createSecret')
      await run('setSecret')
      assert.deepEqual(await h.stages(arn), after1)
      assert.equal(holder(after1, 'AWSCURRENT'), token)
      assert.equal(await db.works(username, String(pending['password'])), true)
    })

    it('a failed testSecret leaves AWSCURRENT working and in place, and says what failed without a password', async () => {
      const { username, password, arn } = await userWithSecret()
      const token = randomUUID()
      await step(single, h.sm, arn, token, 'createSecret')
      const pending = await h.value(arn, 'AWSPENDING')
      // setSecret skipped: the pending password was never set in the database.
      await rejectsWithout(step(single, h.sm, arn, token, 'testSecret'), /testSecret: .*do not log in/, [
        password,
        String(pending['password']),
      ])
      assert.equal(await db.works(username, password), true)
      assert.notEqual(holder(await h.stages(arn), 'AWSCURRENT'), token)
      assert.equal(holder(await h.stages(arn), 'AWSPENDING'), token)
      // The next rotation (a new token) takes AWSPENDING over and completes.
      const next = await rotate(single, h.sm, arn)
      assert.equal(holder(await h.stages(arn), 'AWSCURRENT'), next)
      assert.equal(await db.works(username, String((await h.value(arn))['password'])), true)
    })

    it('passwords with quotes, backslashes and dollar signs are set and log in', async () => {
      const awkward = `it's "q" \\ \\\\ $$ %s ? \`x\` ;--`
      const { username, arn } = await userWithSecret({ password: `${awkward}-old` })
      const token = randomUUID()
      // createSecret keeps a pending value already stored for this token, as the templates do.
      await h.sm.putSecretValue({
        SecretId: arn,
        ClientRequestToken: token,
        SecretString: JSON.stringify({ ...db.base, username, password: `${awkward}-new` }),
        VersionStages: ['AWSPENDING'],
      })
      await rotate(single, h.sm, arn, { token })
      assert.equal(await db.works(username, `${awkward}-new`), true)
      assert.equal(await db.logsIn(username, `${awkward}-old`), false)
    })

    it('excludeCharacters in the secret is honoured when the password is generated', async () => {
      const alphanumerics = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
      const { username, arn } = await userWithSecret({ extra: { excludeCharacters: alphanumerics } })
      await rotate(single, h.sm, arn)
      const now = String((await h.value(arn))['password'])
      assert.match(now, /^[^A-Za-z0-9]+$/)
      assert.equal(await db.works(username, now), true)
    })

    it('alternating users: the previous user keeps working until the next rotation; the clone holds the same grants', async () => {
      const { username, password, arn } = await userWithSecret({ master: true, selfRotating: false })
      const clone = `${username}_clone`
      const r1 = await rotate(alternating, h.sm, arn)
      const v1 = await h.value(arn)
      assert.equal(v1['username'], clone)
      assert.equal(v1['masterarn'], masterArn)
      assert.equal(
        await db.works(clone, String(v1['password'])),
        true,
        'the clone can use the original grant',
      )
      assert.equal(await db.works(username, password), true, 'AWSPREVIOUS still works')
      const r2 = await rotate(alternating, h.sm, arn)
      const v2 = await h.value(arn)
      assert.equal(v2['username'], username)
      assert.equal(await db.works(username, String(v2['password'])), true)
      assert.equal(await db.works(clone, String(v1['password'])), true, 'AWSPREVIOUS (the clone) still works')
      assert.equal(await db.logsIn(username, password), false, 'two rotations back no longer works')
      const r3 = await rotate(alternating, h.sm, arn)
      const v3 = await h.value(arn)
      assert.equal(v3['username'], clone)
      assert.equal(await db.works(clone, String(v3['password'])), true)
      assert.equal(await db.works(username, String(v2['password'])), true)
      assert.equal(await db.logsIn(clone, String(v1['password'])), false)
      const stages = await h.stages(arn)
      assert.equal(holder(stages, 'AWSCURRENT'), r3)
      assert.equal(holder(stages, 'AWSPREVIOUS'), r2)
      assert.equal(holder(stages, 'AWSPENDING'), r3)
      assert.equal(stages[r1], undefined, 'the oldest version has no label left')
      // Repeating setSecret once the clone's password is set changes nothing.
      await step(alternating, h.sm, arn, r3, 'setSecret')
      assert.equal(await db.works(clone, String(v3['password'])), true)
    })

    it('alternating users refuse a secret without masterarn, a master for another server, and rotating the master itself', async () => {
      const plain = await userWithSecret({ selfRotating: false })
      const token = randomUUID()
      await step(alternating, h.sm, plain.arn, token, 'createSecret')
      await rejectsWithout(step(alternating, h.sm, plain.arn, token, 'setSecret'), /no "masterarn"/, [
        plain.password,
      ])
      const elsewhere = await h.createSecret(`rotation/${randomUUID()}`, {
        ...db.base,
        ...db.master,
        port: 1,
      })
      const far = await userWithSecret({ selfRotating: false, extra: { masterarn: elsewhere } })
      const t2 = randomUUID()
      await step(alternating, h.sm, far.arn, t2, 'createSecret')
      await rejectsWithout(step(alternating, h.sm, far.arn, t2, 'setSecret'), /master secret .* is for /, [
        far.password,
      ])
      assert.equal(await db.works(far.username, far.password), true)
    })

    it('the same step run concurrently: every invocation succeeds, one pending version, the rotation completes', async () => {
      for (const [fn, master] of [
        [single, false],
        [alternating, true],
      ] as const) {
        const { username, password, arn } = await userWithSecret({ master, selfRotating: !master })
        // Twice through, so the alternating rotation both creates the clone and changes an existing user's password.
        for (let round = 0; round < 2; round++) {
          const token = randomUUID()
          for (const name of STEPS) {
            const results = await Promise.allSettled(
              Array.from({ length: 4 }, () => step(fn, h.sm, arn, token, name)),
            )
            assert.deepEqual(
              results
                .filter((r) => r.status === 'rejected')
                .map((r) => String((r as PromiseRejectedResult).reason)),
              [],
              `${name} (${master ? 'alternating' : 'single'}, round ${round})`,
            )
          }
          const stages = await h.stages(arn)
          assert.equal(holder(stages, 'AWSCURRENT'), token)
          const now = await h.value(arn)
          assert.equal(await db.works(String(now['username']), String(now['password'])), true)
        }
        assert.equal(
          Object.keys(await h.stages(arn)).length,
          2,
          'labelled versions: AWSCURRENT and AWSPREVIOUS',
        )
        if (!master) assert.equal(await db.logsIn(username, password), false)
      }
    })

    it("alternating users never change the master user's password", async () => {
      // A master secret for an ordinary user M, and a secret for M_clone naming it: the pending user would be M.
      const m = await userWithSecret({ selfRotating: false })
      const clone = await userWithSecret({
        name: `${m.username}_clone`,
        selfRotating: false,
        extra: { masterarn: m.arn },
      })
      const token = randomUUID()
      await step(alternating, h.sm, clone.arn, token, 'createSecret')
      await rejectsWithout(
        step(alternating, h.sm, clone.arn, token, 'setSecret'),
        /rotates the master user/,
        [m.password, clone.password],
      )
      assert.equal(await db.works(m.username, m.password), true)
    })

    it('the guard: a token that is not a version, or not AWSPENDING, is refused; the current one is a no-op', async () => {
      const { username, password, arn } = await userWithSecret()
      const current = holder(await h.stages(arn), 'AWSCURRENT')!
      await rejectsWithout(step(single, h.sm, arn, randomUUID(), 'setSecret'), /has no staging label/, [
        password,
      ])
      const token = await rotate(single, h.sm, arn)
      // The first version is now AWSPREVIOUS only.
      await rejectsWithout(step(single, h.sm, arn, current, 'setSecret'), /not labelled AWSPENDING/, [
        password,
      ])
      await step(single, h.sm, arn, token, 'setSecret')
      assert.equal(await db.works(username, String((await h.value(arn))['password'])), true)
    })

    it('a secret for another engine is refused with a clear error', async () => {
      const { arn } = await userWithSecret({ extra: { engine: 'oracle' } })
      await rejectsWithout(
        step(single, h.sm, arn, randomUUID(), 'createSecret'),
        /must have "engine" set to/,
        [],
      )
    })

    if (db.quotesInNames)
      it('a username carrying SQL is only ever a name: rotations work and nothing else is created', async () => {
        const tag = randomBytes(3).toString('hex')
        const bystander = `rt_pwned_${tag}`
        const name = `rt_q_${tag}'"; CREATE USER ${bystander}; --`
        const one = await userWithSecret({ name })
        await rotate(single, h.sm, one.arn)
        assert.equal(await db.works(name, String((await h.value(one.arn))['password'])), true)
        const two = await userWithSecret({ name: `${name}x`, master: true, selfRotating: false })
        await rotate(alternating, h.sm, two.arn)
        assert.equal(await db.works(`${name}x_clone`, String((await h.value(two.arn))['password'])), true)
        assert.equal(await db.exists(bystander), false)
      })
  })
}
