// Zero downtime, the point of alternating users: applications reading AWSCURRENT from Coffer keep every query working through many rotations.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, it } from 'node:test'
import { builtinRotators } from '../../src/server/rotators/index.ts'
import { describeUnless, unmet } from '../helpers/requirements.ts'
import { RotatedApp } from '../helpers/rotation-app.ts'
import { mariaDatabase, postgresDatabase, type TestDatabase } from '../helpers/rotation-databases.ts'
import { holder, rotate, type SmHarness, startSmHarness } from '../helpers/sm-api.ts'

const ROTATIONS = 10

const databases: TestDatabase[] = [postgresDatabase(), mariaDatabase()]
// Every requirement is checked before any suite starts: starting the PostgreSQL cluster blocks the event loop for a
// moment, which would make a later TCP probe time out.
const missing = await Promise.all(databases.map((db) => unmet(...db.requirements)))

for (const [index, db] of databases.entries()) {
  describeUnless(missing[index]!, `zero-downtime rotation on ${db.name}`, () => {
    let h: SmHarness
    let masterArn: string
    const users: string[] = []

    before(async () => {
      await db.start()
      h = await startSmHarness()
      masterArn = await h.createSecret(`rotation/master-${randomUUID()}`, { ...db.base, ...db.master })
    })
    after(async () => {
      for (const user of users) await db.dropUser(user).catch(() => {})
      await h?.close()
      await db.stop()
    })

    async function secretFor(options: { master: boolean }) {
      const username = `rt_app_${randomBytes(4).toString('hex')}`
      const password = `Pw-${randomBytes(9).toString('base64url')}`
      users.push(username, `${username}_clone`)
      await db.createUser(username, password)
      const arn = await h.createSecret(`rotation/${randomUUID()}`, {
        ...db.base,
        username,
        password,
        ...(options.master ? { masterarn: masterArn } : {}),
      })
      return { username, arn }
    }

    it(`alternating users: ${ROTATIONS} rotations back to back, fresh logins and long-lived connections, zero failed queries`, async (t) => {
      const { username, arn } = await secretFor({ master: true })
      // Two workers log in anew (reading AWSCURRENT) every other query; one keeps its first connection throughout.
      const fresh = new RotatedApp(db, () => h.value(arn), { workers: 2, loginEvery: 2 })
      const longLived = new RotatedApp(db, () => h.value(arn), { workers: 1 })
      fresh.start()
      longLived.start()
      try {
        // After each step every worker completes a whole iteration (a fresh read of AWSCURRENT and a login among
        // them), so the application runs in every intermediate state of every rotation.
        const between = async () => {
          await fresh.settle()
          await longLived.settle()
        }
        for (let i = 0; i < ROTATIONS; i++)
          await rotate(builtinRotators[`${db.rotatorPrefix}-alternating-users`]!, h.sm, arn, { between })
      } finally {
        await fresh.stop()
        await longLived.stop()
      }
      t.diagnostic(
        `${fresh.queries + longLived.queries} queries, ${fresh.logins + longLived.logins} logins, ${fresh.failures.length + longLived.failures.length} failed`,
      )
      assert.deepEqual([...fresh.failures, ...longLived.failures], [])
      assert.ok(fresh.logins > ROTATIONS * 4, `fresh logins: ${fresh.logins}`)
      assert.deepEqual([...fresh.usernames].sort(), [username, `${username}_clone`].sort())
      assert.equal(longLived.logins, 1)
      assert.ok(longLived.queries > ROTATIONS * 4)
      assert.equal((await h.value(arn))['username'], ROTATIONS % 2 === 0 ? username : `${username}_clone`)
    })

    it(`single user: ${ROTATIONS} rotations, the application reconnecting after each completes, zero failed queries`, async (t) => {
      const { arn } = await secretFor({ master: false })
      const app = new RotatedApp(db, () => h.value(arn), { workers: 2 })
      app.start()
      try {
        for (let i = 0; i < ROTATIONS; i++) {
          await rotate(builtinRotators[`${db.rotatorPrefix}-single-user`]!, h.sm, arn, {
            between: () => app.settle(),
          })
          app.reconnect()
          await app.settle()
        }
      } finally {
        await app.stop()
      }
      t.diagnostic(`${app.queries} queries, ${app.logins} logins, ${app.failures.length} failed`)
      assert.deepEqual(app.failures, [])
      assert.equal(app.logins, 2 * (ROTATIONS + 1))
      assert.ok(app.queries > ROTATIONS * 4)
    })

    it('the counter counts: single user with logins during the rotation fails between setSecret and finishSecret', async () => {
      const { arn } = await secretFor({ master: false })
      const app = new RotatedApp(db, () => h.value(arn), { workers: 1, loginEvery: 1 })
      app.start()
      let token: string
      try {
        token = await rotate(builtinRotators[`${db.rotatorPrefix}-single-user`]!, h.sm, arn, {
          between: () => app.settle(),
        })
      } finally {
        await app.stop()
      }
      // AWSCURRENT still held the old password after setSecret: each login in that window was refused, and counted.
      assert.ok(app.failures.length > 0, 'logins with the replaced password were counted as failures')
      assert.equal(holder(await h.stages(arn), 'AWSCURRENT'), token)
    })
  })
}
