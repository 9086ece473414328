// The audit broker: every entry goes to every enabled device, HMAC'd with that device's salt and hash-chained;
// a request proceeds only if at least one device recorded it (fail closed, bounded by each device's timeout).
import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject, randomBytes } from 'node:crypto'
import type { Logger } from '../../lib/logger.ts'
import { rfc3339 } from '../../lib/time.ts'
import { recordThisTurn } from '../../lib/turn-end.ts'
import { AppError, InvalidRequestError } from '../../sdk/errors.ts'
import { getJson, putJson, type Storage } from '../../sdk/storage.ts'
import { type DataMemo, dataMemo } from './audit-data.ts'
import { AuditChain, generateSigningKey, isSignedCheckpoint, resumeChainState } from './chain.ts'
import {
  type AuditLogFile,
  type AuditType,
  auditLogFiles,
  checkOptions,
  hashOptions,
  openDevice,
} from './device-config.ts'
import type { ChainingDevice } from './devices/chained-file-device.ts'
import type { AuditDevice } from './devices/device.ts'
import type { AuditEntry } from './entry.ts'
import {
  type AuditExemptions,
  auditHmac,
  type HashOptions,
  hashEntry,
  memoisedHmac,
  withExemptions,
} from './hmac.ts'
import { type EncodedText, encodedText, type LinePart } from './line-part.ts'
import { ChainingSink, InlineSink, type LineSink } from './line-sink.ts'
import { SectionTexts } from './section-text.ts'

/** A signed checkpoint after this many entries per device, and on close. */
const CHECKPOINT_EVERY = 1000
/**
 * And at least this often while entries keep coming: on a quiet server the count alone could leave hours of
 * entries after the last checkpoint, where a deletion at the end of the file cannot be detected.
 */
const CHECKPOINT_INTERVAL_MS = 60_000

export class AuditFailedError extends AppError {
  constructor() {
    super('internal', 500, 'audit log failure: no audit device recorded the request, so it was refused')
  }
}

interface DeviceRecord {
  path: string
  type: AuditType
  description: string
  options: Record<string, string>
  local: boolean
  /** Per-device HMAC salt, hex; stored only inside the barrier. */
  salt: string
}

interface LiveDevice {
  record: DeviceRecord
  /** Undefined when the device could not be opened at unseal: it then fails every write. */
  device: AuditDevice | ChainingDevice | undefined
  salt: KeyObject
  /** auditHmac under this device's salt, remembering recent answers: tokens, accessors and hot values repeat. */
  hmac: (value: string) => string
  hash: HashOptions
  /** Hashed copies of immutable data (a KV version's), under this device's salt: see DataMemo. */
  data: DataMemo
  /** The hashed, serialised text of sections that repeat from read to read: see SectionTexts. */
  sections: SectionTexts
  /** The lines waiting for the next device write, in chain order. */
  sink: LineSink
  /** Settles when the waiting lines have been written: one promise per write shared by their entries. */
  batchDone: Deferred | undefined
  flushScheduled: boolean
  /** A device write is running; entries arriving meanwhile wait and go out together in the next one. */
  writing: boolean
  /** The chain's seq at the last checkpoint, so the timer skips devices with nothing new. */
  checkpointedSeq: number
  /** format=cloudtrail: AWS calls are written as CloudTrail records (see `log`), everything else as usual. */
  cloudTrail: boolean
}

/**
 * For a request carrying an AWS action: the CloudTrail record's JSON text that format=cloudtrail devices write
 * in place of the Coffer entry, or null where they write nothing (the request entry before a change: CloudTrail
 * records a call once, with its outcome).
 */
export type CloudTrailLine = string | null

/** Receives each logged entry as built, unhashed; see AuditBroker.subscribe. */
export type AuditSubscriber = (entry: AuditEntry) => void

export class AuditBroker {
  /** Entries recorded and refusals to record, as plain counts the metrics layer publishes when scraped. */
  readonly counts = { request: 0, response: 0, failure: 0 }
  readonly #storage: Storage
  readonly #logger: Logger
  readonly #now: () => number
  readonly #devices = new Map<string, LiveDevice>()
  /** Paths whose enable is opening its device: taken before the first await, so one path gets one device. */
  readonly #opening = new Set<string>()
  #signingKey: KeyObject | undefined
  #publicKeyPem = ''
  readonly #checkpointIntervalMs: number
  #checkpointTimer: NodeJS.Timeout | undefined
  /** In-process consumers of the entry stream (the anomaly detector): see subscribe. */
  readonly #subscribers = new Set<AuditSubscriber>()

  constructor(
    storage: Storage,
    logger: Logger,
    now: () => number,
    options: { checkpointIntervalMs?: number } = {},
  ) {
    this.#storage = storage
    this.#logger = logger
    this.#now = now
    this.#checkpointIntervalMs = options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS
  }

  async load(): Promise<void> {
    const stored = await getJson<{ privateKeyPem: string }>(this.#storage, 'signing-key')
    if (stored) {
      this.#signingKey = createPrivateKey(stored.privateKeyPem)
      this.#publicKeyPem = createPublicKey(this.#signingKey)
        .export({ type: 'spki', format: 'pem' })
        .toString()
    } else {
      const { privateKey, publicKeyPem } = generateSigningKey()
      await putJson(this.#storage, 'signing-key', {
        privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      })
      this.#signingKey = privateKey
      this.#publicKeyPem = publicKeyPem
    }
    for (const record of (await getJson<DeviceRecord[]>(this.#storage, 'table')) ?? []) {
      let device: AuditDevice | ChainingDevice | undefined
      try {
        device = await openDevice(record.type, record.options, this.#signingKey)
      } catch (error) {
        this.#logger.log('error', 'audit device could not be opened; it will fail every write', {
          path: record.path,
          error: (error as Error).message,
        })
      }
      const live = this.#live(record, device)
      this.#devices.set(record.path, live)
      this.#markResume(live)
    }
    this.#checkpointTimer = setInterval(() => this.#timedCheckpoints(), this.#checkpointIntervalMs)
    this.#checkpointTimer.unref()
  }

  /** A checkpoint on every device that recorded entries since its last one. */
  #timedCheckpoints(): void {
    for (const live of this.#devices.values()) {
      if (!live.device || live.sink.seq === live.checkpointedSeq) continue
      try {
        // Nobody waits for it: a failed write shows up as a missing checkpoint, which verify reports.
        this.#checkpoint(live)
        this.#scheduleFlush(live)
      } catch (error) {
        this.#logger.log('warn', 'timed audit checkpoint failed', {
          path: live.record.path,
          error: String(error),
        })
      }
    }
  }

  /** Entries are built and logged while a device records them or an in-process subscriber reads them. */
  get enabled(): boolean {
    return this.#devices.size > 0 || this.#subscribers.size > 0
  }

  /**
   * Hands every entry logged from now on to `listener`, synchronously, as built (before any device HMACs it: the
   * listener must keep no secret value in clear). It must only queue the entry and return; a throw is logged and
   * ignored. The returned function unsubscribes.
   */
  subscribe(listener: AuditSubscriber): () => void {
    this.#subscribers.add(listener)
    return () => this.#subscribers.delete(listener)
  }

  #notify(entry: AuditEntry): void {
    for (const listener of this.#subscribers) {
      try {
        listener(entry)
      } catch (error) {
        this.#logger.log('warn', 'audit subscriber failed', { error: String(error) })
      }
    }
  }

  /** Some device has format=cloudtrail, so requests carrying an AWS action need their CloudTrail line. */
  get wantsCloudTrail(): boolean {
    for (const live of this.#devices.values()) if (live.cloudTrail) return true
    return false
  }

  get publicKeyPem(): string {
    return this.#publicKeyPem
  }

  /** The files the enabled file devices write, for readers of the log on the server (access review, reports). */
  logFiles(): AuditLogFile[] {
    return auditLogFiles(this.list())
  }

  /** sys/audit: keyed by path with its trailing slash, as Vault lists them. */
  list(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const { record } of this.#devices.values()) {
      out[record.path] = {
        type: record.type,
        description: record.description,
        options: record.options,
        local: record.local,
        path: record.path,
      }
    }
    return out
  }

  async enable(
    path: string,
    type: string,
    description: string,
    options: Record<string, string>,
    local: boolean,
  ) {
    const clean = normalizePath(path)
    // An enable still opening its device holds the path too: otherwise a second enable of the path would pass
    // this check, and whichever finished last would replace (and never close) the other's device after its 204.
    if (this.#devices.has(clean) || this.#opening.has(clean))
      throw new InvalidRequestError(`path already in use: ${clean}`)
    const checked = checkOptions(type, options)
    hashOptions(options)
    if (!this.#signingKey) throw new Error('audit broker is not loaded')
    this.#opening.add(clean)
    let device: Awaited<ReturnType<typeof openDevice>>
    try {
      device = await openDevice(checked, options, this.#signingKey)
    } finally {
      this.#opening.delete(clean)
    }
    const record: DeviceRecord = {
      path: clean,
      type: checked,
      description,
      options,
      local,
      salt: randomBytes(32).toString('hex'),
    }
    const live = this.#live(record, device)
    this.#devices.set(clean, live)
    this.#markResume(live)
    await this.#persist()
  }

  async disable(path: string): Promise<void> {
    const clean = normalizePath(path)
    const live = this.#devices.get(clean)
    if (!live) return
    this.#devices.delete(clean)
    await this.#persist()
    await this.#closeDevice(live)
  }

  /** sys/audit-hash: what this device writes for `input`, so a leaked value can be found in its log. */
  hash(path: string, input: string): string {
    const clean = normalizePath(path)
    const live = this.#devices.get(clean)
    // Vault's wording (AuditBroker.GetHash), naming the path as sanitized, with its trailing slash.
    if (!live) throw new InvalidRequestError(`unknown audit backend "${clean}"`)
    return auditHmac(live.salt, input)
  }

  /**
   * Record `entry` on every device; throws AuditFailedError unless at least one succeeded. `exempt` names data
   * keys whose values stay in clear for this entry (the mount's audit_non_hmac_request_keys and _response_keys).
   * `trail` is given for requests carrying an AWS action: format=cloudtrail devices write it instead of `entry`.
   */
  log(entry: AuditEntry, exempt?: AuditExemptions, trail?: CloudTrailLine): Promise<void> {
    if (this.#subscribers.size > 0) this.#notify(entry)
    return this.record(entry, exempt, trail)
  }

  /** log() without telling subscribers: for entries a subscriber writes itself (an anomaly it raised). */
  record(entry: AuditEntry, exempt?: AuditExemptions, trail?: CloudTrailLine): Promise<void> {
    if (this.#devices.size > 0) this.counts[entry.type]++
    return this.#recorded((live) =>
      live.cloudTrail && trail !== undefined
        ? this.#writeTrail(live, trail)
        : this.#write(live, entry, exempt),
    )
  }

  /**
   * Record a request's two entries together. `response` must have been built from the same auth and request
   * inputs as `request` (as core does for a read): those sections are hashed and serialised once, and the
   * response line reuses their text. Fails like log() when no device records both. A format=cloudtrail device
   * writes just `trail` when it is given (one record per call).
   */
  logPair(
    request: AuditEntry,
    response: AuditEntry,
    exempt?: AuditExemptions,
    trail?: string,
  ): Promise<void> {
    if (this.#subscribers.size > 0) {
      this.#notify(request)
      this.#notify(response)
    }
    if (this.#devices.size > 0) {
      this.counts.request++
      this.counts.response++
    }
    return this.#recorded((live) =>
      live.cloudTrail && trail !== undefined
        ? this.#writeTrail(live, trail)
        : this.#writePair(live, request, response, exempt),
    )
  }

  /** Runs `write` on every device; resolves once one of them recorded, else fails with AuditFailedError. */
  #recorded(write: (live: LiveDevice) => Promise<void>): Promise<void> {
    if (this.#devices.size === 0) return Promise.resolve()
    try {
      // One device (the usual case): its batch's promise, mapped to the broker's error, with no settling of a list.
      if (this.#devices.size === 1) {
        const live = this.#devices.values().next().value as LiveDevice
        return write(live).then(undefined, (reason: unknown) => this.#failed([reason]))
      }
      const writes = [...this.#devices.values()].map(write)
      return Promise.allSettled(writes).then((results) => {
        if (results.some((result) => result.status === 'fulfilled')) return
        this.#failed(results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : [])))
      })
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #failed(reasons: unknown[]): never {
    this.counts.failure++
    for (const reason of reasons) {
      this.#logger.log('error', 'audit device failed', {
        error: (reason as Error)?.message ?? String(reason),
      })
    }
    throw new AuditFailedError()
  }

  /** SIGHUP: reopen files so rotated logs continue in a fresh file. */
  async reopen(): Promise<void> {
    for (const live of this.#devices.values()) await live.device?.reopen().catch(() => undefined)
  }

  /** Seal or shutdown: a final checkpoint on each device, then close it. */
  async close(): Promise<void> {
    if (this.#checkpointTimer) clearInterval(this.#checkpointTimer)
    this.#checkpointTimer = undefined
    for (const live of this.#devices.values()) await this.#closeDevice(live)
    this.#devices.clear()
  }

  #live(record: DeviceRecord, device: AuditDevice | ChainingDevice | undefined): LiveDevice {
    const filePath = chainedFilePath(record)
    const salt = createSecretKey(Buffer.from(record.salt, 'hex'))
    const resumed = filePath ? resumeChainState(filePath) : undefined
    // A chaining device keeps the chain itself (resumed from the same last line); only the seq is counted here.
    const sink =
      device !== undefined && 'chaining' in device
        ? new ChainingSink(device, resumed?.seq ?? 0)
        : new InlineSink(
            new AuditChain(resumed && { seq: resumed.seq, prevHash: resumed.prevHash }),
            device ?? notOpen,
          )
    const hmac = memoisedHmac(salt)
    const data = dataMemo()
    return {
      record,
      device,
      salt,
      hmac,
      hash: hashOptions(record.options),
      data,
      sections: new SectionTexts(hmac, data),
      sink,
      batchDone: undefined,
      flushScheduled: false,
      writing: false,
      // A resumed chain ends with a checkpoint (written on close) or a torn tail; either way nothing new yet.
      checkpointedSeq: sink.seq,
      cloudTrail: record.options['format'] === 'cloudtrail',
    }
  }

  /**
   * A file that does not end with one of this server's checkpoints (a crash after its last one, or lines added
   * while the server was down) is continued after a resume checkpoint, so that the next checkpoint's signature
   * does not vouch for lines this server never saw written: the verifier counts them as unwitnessed. A file
   * ending with a line a crash cut short gets one too, even after a checkpoint: the device ends the fragment with
   * a newline, and the signed resume checkpoint right after it is what lets the verifier tell a crash's fragment
   * from a line slipped in.
   */
  #markResume(live: LiveDevice): void {
    const filePath = chainedFilePath(live.record)
    if (!live.device || filePath === undefined) return
    if (!this.#signingKey) throw new Error('audit broker is not loaded')
    const resumed = resumeChainState(filePath)
    if (resumed?.torn !== true) {
      if (live.sink.seq === 0) return
      if (isSignedCheckpoint(resumed?.lastLine, createPublicKey(this.#signingKey), resumed?.previousLineHash))
        return
    }
    live.sink.checkpoint(this.#signingKey, rfc3339(this.#now()), true)
    live.checkpointedSeq = live.sink.seq
    this.#scheduleFlush(live)
  }

  /** A CloudTrail record, chained like any line; null writes nothing and counts as recorded. */
  #writeTrail(live: LiveDevice, trail: CloudTrailLine): Promise<void> {
    if (!live.device) return Promise.reject(new Error(`audit device ${live.record.path} is not open`))
    if (trail === null) return Promise.resolve()
    this.#append(live, trail)
    return this.#enqueued(live)
  }

  #write(live: LiveDevice, entry: AuditEntry, exempt: AuditExemptions | undefined): Promise<void> {
    if (!live.device) return Promise.reject(new Error(`audit device ${live.record.path} is not open`))
    const json = JSON.stringify(hashEntry(entry, live.hmac, withExemptions(live.hash, exempt)))
    this.#append(live, json)
    return this.#enqueued(live)
  }

  #writePair(
    live: LiveDevice,
    request: AuditEntry,
    response: AuditEntry,
    exempt: AuditExemptions | undefined,
  ): Promise<void> {
    if (!live.device) return Promise.reject(new Error(`audit device ${live.record.path} is not open`))
    const options = withExemptions(live.hash, exempt)
    // The two lines share their auth and request sections (Vault's response entry repeats them): each is hashed
    // and serialised once, and each line is put together from the sections' text in its entry's key order. The
    // sections' texts are remembered where reads repeat them (SectionTexts): a token's auth section, its request
    // section but for the id, and the response section of a frozen answer.
    const sections = live.sections
    const auth = request.auth === undefined ? undefined : sections.authPart(request.auth, options)
    const req =
      request.request === undefined
        ? undefined
        : sections.requestParts(request.request, request.auth, options)
    const res =
      response.response === undefined
        ? undefined
        : sections.responsePart(response.response, response.request?.operation, options)
    this.#appendParts(live, openEntryParts(request, auth, req, undefined))
    this.#appendParts(live, openEntryParts(response, auth, req, res))
    return this.#enqueued(live)
  }

  /** Chains one entry line into the device's waiting lines, followed by a checkpoint when one is due. */
  #append(live: LiveDevice, json: string): void {
    live.sink.appendJson(json)
    this.#checkpointIfDue(live)
  }

  /** #append for an entry's text without its closing brace, in parts (see openEntryParts). */
  #appendParts(live: LiveDevice, parts: readonly LinePart[]): void {
    live.sink.appendParts(parts)
    this.#checkpointIfDue(live)
  }

  #checkpointIfDue(live: LiveDevice): void {
    if (live.sink.seq % CHECKPOINT_EVERY === CHECKPOINT_EVERY - 1) this.#checkpoint(live)
  }

  /** The promise of the waiting batch's write (shared by its entries), scheduling that write. */
  #enqueued(live: LiveDevice): Promise<void> {
    live.batchDone ??= deferred()
    this.#scheduleFlush(live)
    return live.batchDone.promise
  }

  #scheduleFlush(live: LiveDevice): void {
    // Entries of one event-loop turn go out in one write call per device, before the turn's answers (turn-end.ts).
    if (live.flushScheduled) return
    live.flushScheduled = true
    recordThisTurn(() => this.#flush(live))
  }

  #flush(live: LiveDevice): void {
    live.flushScheduled = false
    // Group commit: one write in flight per device; under load each write carries every entry that arrived
    // while the previous one ran, so the number of writes (and thread-pool hops) stays small.
    if (live.writing) return
    const waiting = live.batchDone
    live.batchDone = undefined
    if (!live.device || !live.sink.waiting) return
    live.writing = true
    const done = () => {
      live.writing = false
      if (live.sink.waiting) this.#flush(live)
    }
    live.sink.write().then(
      () => {
        done()
        waiting?.resolve()
      },
      (error: unknown) => {
        done()
        waiting?.reject(error)
      },
    )
  }

  #checkpoint(live: LiveDevice): void {
    if (!this.#signingKey) throw new Error('audit broker is not loaded')
    live.sink.checkpoint(this.#signingKey, rfc3339(this.#now()))
    live.checkpointedSeq = live.sink.seq
  }

  async #closeDevice(live: LiveDevice): Promise<void> {
    if (!live.device) return
    // Entries still waiting go out with the final checkpoint, queued behind any write in flight.
    const waiting = live.batchDone
    live.batchDone = undefined
    try {
      this.#checkpoint(live)
      await live.sink.write()
      waiting?.resolve()
    } catch (error) {
      waiting?.reject(error)
      this.#logger.log('warn', 'final audit checkpoint not written', {
        path: live.record.path,
        error: String(error),
      })
    }
    await live.device.close().catch(() => undefined)
  }

  async #persist(): Promise<void> {
    await putJson(
      this.#storage,
      'table',
      [...this.#devices.values()].map((live) => live.record),
    )
  }
}

/**
 * An entry's JSON text (as JSON.stringify would write it, keys in the entry's order) without its closing brace,
 * as parts, with the auth, request and response sections given as text: logPair's two lines take the request's
 * auth and request text, and the chain appends its members and the brace (AuditChain.appendOpen). Remembered
 * sections (the same from read to read, with their bytes) and the member names are parts of their own, copied
 * into a batch as bytes or sent to a device's writer thread by reference; the small values (time, type, error)
 * are JSON.stringify's flat strings, encoded without first being flattened.
 */
function openEntryParts(
  entry: AuditEntry,
  auth: LinePart | undefined,
  request: readonly LinePart[] | undefined,
  response: LinePart | undefined,
): LinePart[] {
  const parts: LinePart[] = []
  let first = true
  for (const key in entry) {
    const value = entry[key as keyof AuditEntry]
    if (value === undefined) continue
    const section = key === 'auth' ? auth : key === 'response' ? response : undefined
    if ((key === 'auth' || key === 'response') && section === undefined) continue
    if (key === 'request' && request === undefined) continue
    const typed = key === 'type' ? TYPE_MEMBERS.get(value as string) : undefined
    if (typed !== undefined) {
      parts.push(first ? typed[0] : typed[1])
      first = false
      continue
    }
    parts.push(memberName(key, first))
    first = false
    if (section !== undefined) parts.push(section)
    else if (key === 'request' && request !== undefined) for (const part of request) parts.push(part)
    else parts.push(JSON.stringify(value))
  }
  // Every entry has a type, so this cannot happen; the chain relies on the text starting with `{"`.
  if (first) throw new Error('audit entry must not be empty')
  return parts
}

/** `{"key":` for the first member, `,"key":` after it, as bytes, made once for the members entries have. */
const MEMBER_NAMES = new Map<string, readonly [EncodedText, EncodedText]>(
  ['time', 'type', 'auth', 'request', 'response', 'error'].map((key) => [
    key,
    [encodedText(`{${JSON.stringify(key)}:`), encodedText(`,${JSON.stringify(key)}:`)],
  ]),
)

/** The `type` member whole, name and value, for the two types entries have. */
const TYPE_MEMBERS = new Map<string, readonly [EncodedText, EncodedText]>(
  ['request', 'response'].map((type) => [
    type,
    [encodedText(`{"type":${JSON.stringify(type)}`), encodedText(`,"type":${JSON.stringify(type)}`)],
  ]),
)

function memberName(key: string, first: boolean): LinePart {
  const names = MEMBER_NAMES.get(key)
  if (names !== undefined) return first ? names[0] : names[1]
  return `${first ? '{' : ','}${JSON.stringify(key)}:`
}

interface Deferred {
  readonly promise: Promise<void>
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

function deferred(): Deferred {
  const { promise, resolve, reject } = Promise.withResolvers<void>()
  return { promise, resolve, reject }
}

/** Stands in for a device that could not be opened; the broker refuses its entries before they get here. */
const notOpen: AuditDevice = {
  type: 'file',
  write: () => Promise.reject(new Error('audit device is not open')),
  reopen: () => Promise.resolve(),
  close: () => Promise.resolve(),
}

function normalizePath(path: string): string {
  const clean = path.replace(/^\/+/, '').replace(/\/*$/, '/')
  if (clean === '/' || clean.includes('..'))
    throw new InvalidRequestError(`invalid audit device path "${path}"`)
  return clean
}

/** The file a file device's chain continues from; none for Vault's `stdout` and `discard` keywords. */
function chainedFilePath(record: DeviceRecord): string | undefined {
  if (record.type !== 'file') return undefined
  const filePath = record.options['file_path'] ?? record.options['path']
  return filePath === undefined || filePath === 'stdout' || filePath === 'discard' ? undefined : filePath
}
