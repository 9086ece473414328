// A generator of realistic synthetic audit traces (people, services, AWS keys, an operator) with labelled anomalies.
import type { AuditEntry } from '../../../src/server/audit/entry.ts'
import type { AnomalyType } from '../../../src/server/core/anomalies/detector.ts'
import { auditEntry, type EntrySpec } from '../../../src/server/core/anomalies/test-helpers.ts'
import { Rng } from '../scanner/rng.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
/** Monday 2 March 2026, 00:00 UTC: the trace's day 0. */
export const TRACE_START = Date.UTC(2026, 2, 2)

/** One injected anomaly: what the detector should raise, about whom (or which address or path), and when. */
export interface Label {
  type: AnomalyType
  /** The display name; for an anonymous denied burst the address; for a fanout the secret's path. */
  key: string
  start: number
  end: number
  /** Other types the same episode may also (rightly) raise: not counted against their precision. */
  also: AnomalyType[]
  /** Identities taking part besides `key` (a fanout's readers), for those other types. */
  who?: string[]
}

export interface TraceDay {
  day: number
  entries: AuditEntry[]
  labels: Label[]
}

interface Actor {
  name: string
  entity: string
  kind: 'human' | 'service' | 'aws'
  metadata: Record<string, string>
  team: number
  paths: string[]
  lists: string[]
  /** Address prefixes ("10.12.3") the actor works from. */
  networks: string[]
  /** Humans: working hours [start, end) UTC. */
  start: number
  end: number
  /** Humans who also work weekends. */
  weekends: boolean
  /** Services and AWS keys: requests per minute. */
  rate: number
  /** Teams whose secrets the identity has read (its own, and others' once an episode made it). */
  teamsRead: Set<number>
  /** The token currently in use, and a counter so a revocation can issue a new one. */
  token: string
  accessor: string
  generation: number
}

const TEAMS = ['payments', 'search', 'infra', 'data', 'web', 'mobile']
const APPS = ['api', 'worker', 'db', 'cache']
const KEYS = ['db', 'api-key', 'tls', 'smtp', 'queue']
/** Networks outside the organisation (the shared address space: any /24 of it, so each episode's is new). */
const external = (r: Rng) => `100.${64 + r.int(64)}.${r.int(256)}.${1 + r.int(250)}`

export interface TraceOptions {
  seed?: number
  /** Days in all; the first `learningDays` are clean. */
  days?: number
  learningDays?: number
  humans?: number
  services?: number
  awsKeys?: number
  /** Episodes of each anomaly type per evaluation day. */
  perTypePerDay?: number
}

export class TraceGenerator {
  readonly rng: Rng
  readonly opts: Required<TraceOptions>
  readonly actors: Actor[] = []
  readonly humans: Actor[] = []
  readonly services: Actor[] = []
  readonly admin: Actor
  readonly shared = ['secret/data/shared/config', 'secret/data/shared/ca']
  /** Unlabelled requests added to the day being generated. */
  readonly #extra: EntrySpec[] = []
  /** Secrets a fanout episode has already used. */
  readonly #fanned = new Set<string>()

  constructor(options: TraceOptions = {}) {
    this.opts = {
      seed: 7,
      days: 15,
      learningDays: 7,
      humans: 40,
      services: 30,
      awsKeys: 8,
      perTypePerDay: 4,
      ...options,
    }
    this.rng = new Rng(this.opts.seed)
    const r = this.rng
    for (let i = 0; i < this.opts.humans; i++) {
      const team = i % TEAMS.length
      const apps = [APPS[r.int(APPS.length)]!, APPS[r.int(APPS.length)]!]
      const start = 7 + r.int(4)
      this.humans.push(
        this.#actor(`userpass-user${i}`, 'human', team, {
          paths: apps.flatMap((app) =>
            KEYS.slice(0, 2 + r.int(3)).map((k) => `secret/data/${TEAMS[team]}/${app}/${k}`),
          ),
          lists: apps.map((app) => `secret/metadata/${TEAMS[team]}/${app}/`),
          networks:
            r.next() < 0.5
              ? [`10.${10 + team}.${r.int(4)}`]
              : [`10.${10 + team}.${r.int(4)}`, `10.99.${r.int(8)}`],
          start,
          end: start + 8 + r.int(2),
          // One person in eight is on call at weekends (and is the pool of weekend episodes).
          weekends: i % 8 === 3,
        }),
      )
    }
    for (let i = 0; i < this.opts.services; i++) {
      const team = i % TEAMS.length
      const app = APPS[i % APPS.length]!
      const paths = KEYS.slice(0, 2 + r.int(3)).map((k) => `secret/data/${TEAMS[team]}/${app}/${k}`)
      if (i < 10) paths.push(this.shared[i % 2]!)
      this.services.push(
        this.#actor(`approle-svc${i}`, 'service', team, {
          metadata: { role_name: `svc${i}` },
          paths,
          networks: [`10.200.${i}`],
          rate: 0.5 + r.next() * 2.5,
        }),
      )
    }
    for (let i = 0; i < this.opts.awsKeys; i++)
      this.services.push(
        this.#actor(`aws-keys-app${i}`, 'aws', i % TEAMS.length, {
          metadata: { role: `app${i}`, access_key_id: `key-app${i}` },
          paths: [`secretsmanager/app${i}/db`, `secretsmanager/app${i}/api`],
          networks: [`10.210.${i}`],
          rate: 0.2 + r.next() * 0.8,
        }),
      )
    this.admin = this.#actor('userpass-admin', 'human', 2, {
      paths: ['secret/data/infra/api/db'],
      lists: ['secret/metadata/infra/'],
      networks: ['10.12.0'],
      start: 8,
      end: 18,
      // On call: leak responses happen any day.
      weekends: true,
    })
    this.actors.push(...this.humans, ...this.services, this.admin)
  }

  #actor(name: string, kind: Actor['kind'], team: number, over: Partial<Actor>): Actor {
    return {
      name,
      entity: `ent-${name}`,
      kind,
      metadata: {},
      team,
      paths: [],
      lists: [],
      networks: [],
      start: 0,
      end: 24,
      weekends: kind !== 'human',
      rate: 0,
      token: `t-${name}-0`,
      accessor: `a-${name}-0`,
      generation: 0,
      ...over,
      teamsRead: new Set([team]),
    }
  }

  #addr(actor: Actor): string {
    return `${this.rng.pick(actor.networks)}.${10 + this.rng.int(60)}`
  }

  #spec(actor: Actor, time: number, over: Partial<EntrySpec> = {}): EntrySpec {
    return {
      time,
      name: actor.name,
      entity: actor.entity,
      metadata: actor.metadata,
      token: actor.token,
      accessor: actor.accessor,
      path: this.rng.pick(actor.paths),
      remote: this.#addr(actor),
      ...over,
    }
  }

  /** Every day's entries (in time order) and the anomalies injected that day. */
  *days(): Generator<TraceDay> {
    for (let day = 0; day < this.opts.days; day++) yield this.#day(day)
  }

  #day(day: number): TraceDay {
    const r = this.rng
    const specs: EntrySpec[] = []
    const labels: Label[] = []
    const base = TRACE_START + day * DAY
    const weekday = (day % 7) + 1 // day 0 is a Monday
    const weekend = weekday >= 6
    // A new token a day for everyone (logins), as short-lived tokens go.
    for (const actor of this.actors) {
      actor.generation++
      actor.token = `t-${actor.name}-${actor.generation}`
      actor.accessor = `a-${actor.name}-${actor.generation}`
    }
    const working = (a: Actor) => !weekend || a.weekends
    for (const h of [...this.humans, this.admin]) {
      if (!working(h)) continue
      const n = weekend ? 5 + r.int(10) : 20 + r.int(40)
      for (let i = 0; i < n; i++) {
        const time = base + h.start * HOUR + r.int((h.end - h.start) * HOUR)
        const list = r.next() < 0.1 && h.lists.length > 0
        specs.push(this.#spec(h, time, list ? { operation: 'list', path: r.pick(h.lists) } : {}))
      }
      // Hard negatives: a refusal now and then, an hour of late work, yesterday's (expired) token presented once.
      if (r.next() < 0.3)
        specs.push(
          this.#spec(h, base + h.start * HOUR + r.int(4 * HOUR), {
            refused: 'permission denied',
            path: 'secret/data/hr/payroll',
          }),
        )
      if (r.next() < 0.1) specs.push(this.#spec(h, base + h.end * HOUR + r.int(HOUR)))
      if (r.next() < 0.05)
        specs.push({
          time: base + h.start * HOUR,
          token: `t-${h.name}-${h.generation - 1}`,
          path: h.paths[0]!,
          remote: this.#addr(h),
          refused: 'permission denied',
        })
    }
    for (const s of this.services) {
      for (let minute = 0; minute < 1440; minute++) {
        const busy = minute >= 9 * 60 && minute < 17 * 60 ? 1.5 : 1
        const expected = s.rate * busy
        let n = Math.floor(expected)
        if (r.next() < expected - n) n++
        for (let i = 0; i < n; i++) specs.push(this.#spec(s, base + minute * MIN + r.int(MIN)))
      }
    }
    // The operator revokes a token now and then (never used again: a hard negative for post_leak_use).
    if (!weekend)
      for (let i = 0; i < 2; i++) {
        const victim = r.pick(this.services)
        specs.push(this.#revoke(victim, base + 10 * HOUR + r.int(6 * HOUR)))
      }
    // Root is used to set things up on the first day only.
    if (day === 0)
      for (let i = 0; i < 20; i++)
        specs.push({
          time: base + 9 * HOUR + i * MIN,
          name: 'root',
          token: 'root-token',
          accessor: 'a-root',
          policies: ['root'],
          path: 'sys/mounts',
          operation: 'update',
          remote: '10.12.0.5',
        })
    // A new instance of a service starts reading a shared secret (one new reader: not a fanout).
    // The day after the learning period is left clean: baselines become trusted during it, a week after each
    // identity's first request.
    if (day > this.opts.learningDays) {
      const fresh = this.#actor(`approle-svc-new${day}`, 'service', 0, {
        paths: [this.shared[0]!],
        networks: ['10.201.0'],
      })
      for (let i = 0; i < 30; i++) specs.push(this.#spec(fresh, base + 12 * HOUR + i * MIN))
      this.#inject(day, base, weekend, specs, labels)
      // Benign surprises, left unlabelled: the detector cannot tell them from an attack, so each alert they raise
      // counts as a false positive (a person working from a hotel, a night on call).
      const eval0 = this.opts.learningDays + 1
      if (!weekend && (day - eval0) % 3 === 1) this.#benign(base)
    }
    specs.push(...this.#extra.splice(0))
    specs.sort((a, b) => a.time - b.time)
    return { day, entries: specs.map(auditEntry), labels }
  }

  #benign(base: number): void {
    const r = this.rng
    const weekdayHumans = this.humans.filter((h) => !h.weekends)
    const traveller = r.pick(weekdayHumans)
    const remote = external(r)
    const t = this.#usual(traveller, base)
    for (let j = 0; j < 3; j++) this.#extra.push(this.#spec(traveller, t + j * 10 * MIN, { remote }))
    const onCall = r.pick(weekdayHumans.filter((h) => h !== traveller))
    const night = base + ((onCall.end + 5) % 24) * HOUR
    for (let j = 0; j < 3; j++) this.#extra.push(this.#spec(onCall, night + j * 5 * MIN))
  }

  #revoke(victim: Actor, time: number): EntrySpec {
    const spec = this.#spec(this.admin, time, {
      path: 'auth/token/revoke-accessor',
      mount: 'auth/token/',
      operation: 'update',
      data: { accessor: victim.accessor },
    })
    return spec
  }

  /** Clock time within an actor's usual hours on this day. */
  #usual(a: Actor, base: number): number {
    return base + a.start * HOUR + HOUR + this.rng.int(Math.max(1, a.end - a.start - 2) * HOUR)
  }

  #inject(day: number, base: number, weekend: boolean, specs: EntrySpec[], labels: Label[]): void {
    const r = this.rng
    const k = this.opts.perTypePerDay
    const weekdayHumans = this.humans.filter((h) => !h.weekends)
    /** Each type's episodes of a day involve different identities, so no episode hides in another's cooldown. */
    const used = new Map<string, Set<Actor>>()
    const fresh = (type: string, pool: () => Actor, fits: (a: Actor) => boolean = () => true): Actor => {
      let set = used.get(type)
      if (!set) {
        set = new Set()
        used.set(type, set)
      }
      for (let tries = 0; tries < 100_000; tries++) {
        const a = pool()
        if (!set.has(a) && fits(a)) {
          set.add(a)
          return a
        }
      }
      throw new Error(`trace generator: no identity left for a ${type} episode (fewer actors than episodes)`)
    }
    /** Someone active now in their usual way: a service any day, a person on a working day. */
    const anyActive = () => (weekend || r.next() < 0.5 ? r.pick(this.services) : r.pick(weekdayHumans))
    const active = (type: string) => fresh(type, anyActive)
    const label = (type: AnomalyType, key: string, start: number, end: number, also: AnomalyType[] = []) =>
      labels.push({ type, key, start, end, also })
    const hour = (h: number) => base + h * HOUR
    for (let i = 0; i < k; i++) {
      // new_path: another team's secrets (a team the identity has never read from).
      {
        const a = fresh('new_path', anyActive, (b) => b.teamsRead.size < TEAMS.length)
        const t = a.kind === 'human' ? this.#usual(a, base) : hour(1 + r.int(22))
        let other = r.int(TEAMS.length)
        while (a.teamsRead.has(other)) other = (other + 1) % TEAMS.length
        a.teamsRead.add(other)
        const path = `secret/data/${TEAMS[other]}/${r.pick(APPS)}/${r.pick(KEYS)}`
        for (let j = 0; j < 1 + r.int(3); j++) specs.push(this.#spec(a, t + j * 7000, { path }))
        label('new_path', a.name, t, t + 30_000, ['shared_secret_fanout'])
      }
      // unusual_hour: a person in the small hours, or on a weekend they never work.
      {
        const a = fresh('unusual_hour', () => r.pick(weekdayHumans))
        const t = weekend
          ? this.#usual(a, base)
          : hour((a.end + 3 + r.int(Math.max(1, 24 - (a.end - a.start) - 6))) % 24)
        for (let j = 0; j < 2 + r.int(4); j++) specs.push(this.#spec(a, t + j * 40_000))
        label('unusual_hour', a.name, t, t + 5 * MIN)
      }
      // new_source: a network the identity has never used.
      {
        const a = active('new_source')
        const t = a.kind === 'human' ? this.#usual(a, base) : hour(r.int(24))
        const remote = external(r)
        for (let j = 0; j < 1 + r.int(4); j++) specs.push(this.#spec(a, t + j * 5000, { remote }))
        label('new_source', a.name, t, t + MIN)
      }
      // rate_spike: a few hundred requests in a minute or so.
      {
        const a = active('rate_spike')
        const t = a.kind === 'human' ? this.#usual(a, base) : hour(r.int(24))
        const n = 150 + r.int(350)
        for (let j = 0; j < n; j++) specs.push(this.#spec(a, t + Math.floor((j * 80_000) / n)))
        label('rate_spike', a.name, t, t + 90_000)
      }
      // denied_burst: probing by a known identity, or by an address with made-up tokens.
      {
        const t = hour(r.int(24))
        const n = 15 + r.int(25)
        if (r.next() < 0.5) {
          const a = active('denied_burst')
          const at = a.kind === 'human' ? this.#usual(a, base) : t
          for (let j = 0; j < n; j++)
            specs.push(
              this.#spec(a, at + j * 2000, {
                path: `secret/data/hr/${r.pick(KEYS)}${j}`,
                refused: 'permission denied',
              }),
            )
          label('denied_burst', a.name, at, at + n * 2000)
        } else {
          const remote = external(r)
          for (let j = 0; j < n; j++)
            specs.push({
              time: t + j * 1500,
              token: `guess-${day}-${i}-${j}`,
              path: `secret/data/${r.pick(TEAMS)}/${r.pick(APPS)}/db`,
              remote,
              refused: 'permission denied',
            })
          label('denied_burst', remote, t, t + n * 1500)
        }
      }
      // enumeration: LIST after LIST over paths the identity does not usually list.
      {
        const a = fresh('enumeration', () =>
          r.pick(weekend ? this.humans.filter((h) => h.weekends) : weekdayHumans),
        )
        const t = this.#usual(a, base)
        const n = 30 + r.int(50)
        for (let j = 0; j < n; j++)
          specs.push(
            this.#spec(a, t + j * 1000, {
              operation: 'list',
              path: `secret/metadata/${r.pick(TEAMS)}/${r.pick(APPS)}/${j}/`,
            }),
          )
        label('enumeration', a.name, t, t + n * 1000, ['new_path', 'rate_spike'])
      }
      // root_token: a root token in use after setup.
      {
        const t = hour(r.int(24))
        for (let j = 0; j < 1 + r.int(3); j++)
          specs.push({
            time: t + j * 10_000,
            name: 'root',
            token: `root-${day}-${i}`,
            accessor: `a-root-${day}-${i}`,
            policies: ['root'],
            path: 'sys/policies/acl/ops',
            operation: 'update',
            remote: '10.12.0.5',
          })
        label('root_token', 'root', t, t + 40_000, ['new_path', 'unusual_hour', 'new_source'])
      }
      // shared_secret_fanout: one team's secret read by many identities that never read it, within minutes.
      {
        let path = ''
        do path = `secret/data/${r.pick(TEAMS)}/${r.pick(APPS)}/${r.pick(KEYS)}`
        while (this.#fanned.has(path))
        this.#fanned.add(path)
        const readers = new Set<Actor>()
        // Identities that never read it (a service of the owning app reads it as a matter of course).
        while (readers.size < 6 + r.int(4)) {
          const a = r.pick(this.services)
          // Not today's new_path identities: their episode is generated first but may come later in the day.
          if (!a.paths.includes(path) && !used.get('new_path')?.has(a)) readers.add(a)
        }
        for (const a of readers) a.teamsRead.add(TEAMS.indexOf(path.split('/')[2]!))
        const t = hour(r.int(24))
        let j = 0
        for (const a of readers) specs.push(this.#spec(a, t + j++ * 20_000, { path }))
        labels.push({
          type: 'shared_secret_fanout',
          key: path,
          start: t,
          end: t + j * 20_000,
          also: ['new_path'],
          who: [...readers].map((a) => a.name),
        })
      }
      // post_leak_use: the operator revokes a token (a leak response), later it is presented again.
      {
        const a = active('post_leak_use')
        const revokedAt = this.#usual(a.kind === 'human' ? a : this.admin, base)
        const old = { token: a.token, accessor: a.accessor }
        specs.push(this.#revoke(a, revokedAt))
        const t = revokedAt + 10 * MIN + r.int(5 * HOUR)
        const remote = external(r)
        for (let j = 0; j < 1 + r.int(3); j++)
          specs.push({
            time: t + j * 30_000,
            token: old.token,
            path: a.paths[0]!,
            remote,
            refused: 'permission denied',
          })
        // The owner logs in again: their later requests carry a new token.
        a.generation++
        a.token = `t-${a.name}-${a.generation}`
        a.accessor = `a-${a.name}-${a.generation}`
        // Requests generated earlier today already carry the old token: those before the revocation stand, the
        // rest are moved to the new one, as a client that logged in again would send them.
        for (const s of specs)
          if (s.token === old.token && s.refused === undefined && s.time > revokedAt) {
            s.token = a.token
            s.accessor = a.accessor
          }
        label('post_leak_use', a.name, t, t + 2 * MIN, ['denied_burst'])
      }
    }
  }
}
