// One device's hashed, serialised entry sections, remembered where consecutive requests repeat them (reads).
import type { DataMemo } from './audit-data.ts'
import type { AuditAuth, AuditRequest, AuditResponse } from './entry.ts'
import {
  type Hasher,
  type HashOptions,
  hashAuthSection,
  hashRequestSection,
  hashResponseSection,
} from './hmac.ts'
import { type EncodedText, encodedText, type LinePart, partText } from './line-part.ts'

/**
 * A section's text as JSON.stringify writes it (and its UTF-8 bytes, copied into the lines that carry it), with `source` (the unhashed section it was made from) and its keys
 * in order, so a later section can be compared member by member.
 */
interface Remembered<T> {
  readonly options: HashOptions
  readonly source: T
  readonly keys: readonly string[]
  readonly text: EncodedText
}

/** The start of a remembered request section's text, before its id. */
const ID_NAME = encodedText('{"id":')

/**
 * The texts are exactly what hashing and serialising the section afresh gives: a hit needs the same hash options
 * (the device's, or the same merged exemptions object) and members equal one by one in the same order, and the
 * HMACs depend only on the device's salt, fixed for the device's life.
 * - auth: a frozen auth section (core builds one per token entry and shares it) is its own key.
 * - request: keyed by the request's frozen auth section, so the raw client_token in `source` is only ever compared
 *   with a token that already resolved to the same token entry; a section with data is not remembered. Only the
 *   `id` member (first, a fresh one per request) is spliced in.
 * - response: keyed by its data when that is frozen (a KV version's answer, shared by every read of it).
 */
export class SectionTexts {
  readonly #hmac: Hasher
  readonly #data: DataMemo
  readonly #auth = new WeakMap<AuditAuth, EncodedText>()
  readonly #request = new WeakMap<AuditAuth, Remembered<AuditRequest>>()
  readonly #response = new WeakMap<object, Remembered<AuditResponse> & { operation: string | undefined }>()

  constructor(hmac: Hasher, data: DataMemo) {
    this.#hmac = hmac
    this.#data = data
  }

  auth(auth: AuditAuth, options: HashOptions): string {
    return partText(this.authPart(auth, options))
  }

  /** The auth section's text; remembered (with its bytes) for a frozen section. */
  authPart(auth: AuditAuth, options: HashOptions): LinePart {
    if (!Object.isFrozen(auth)) return JSON.stringify(hashAuthSection(auth, this.#hmac, options))
    let text = this.#auth.get(auth)
    if (text === undefined) {
      text = encodedText(JSON.stringify(hashAuthSection(auth, this.#hmac, options)))
      this.#auth.set(auth, text)
    }
    return text
  }

  request(request: AuditRequest, auth: AuditAuth | undefined, options: HashOptions): string {
    return this.requestParts(request, auth, options).map(partText).join('')
  }

  /**
   * The request section's text in parts: where it is remembered, `{"id":` and the id's JSON (a flat string) then
   * the remembered rest (the same from read to read, so a device on another thread can be sent a reference to
   * it, and its bytes are made once); else the whole text.
   */
  requestParts(
    request: AuditRequest,
    auth: AuditAuth | undefined,
    options: HashOptions,
  ): readonly LinePart[] {
    const id = request.id
    if (auth === undefined || !Object.isFrozen(auth) || request.data !== undefined || typeof id !== 'string')
      return [this.#freshRequest(request, options)]
    const memo = this.#request.get(auth)
    if (memo !== undefined && memo.options === options && sameMembers(memo, request, 'id'))
      return [ID_NAME, JSON.stringify(id), memo.text]
    const text = this.#freshRequest(request, options)
    const head = `{"id":${JSON.stringify(id)}`
    // `id` leads the section (buildEntry's order); anything else is simply not remembered.
    if (text.startsWith(head) && (text[head.length] === ',' || text[head.length] === '}'))
      this.#request.set(auth, remembered(options, request, encodedText(text.slice(head.length))))
    return [text]
  }

  response(response: AuditResponse, operation: string | undefined, options: HashOptions): string {
    return partText(this.responsePart(response, operation, options))
  }

  /** The response section's text; remembered (with its bytes) for frozen data. */
  responsePart(response: AuditResponse, operation: string | undefined, options: HashOptions): LinePart {
    const data = response.data
    if (data === undefined || !Object.isFrozen(data)) return this.#freshResponse(response, operation, options)
    const memo = this.#response.get(data)
    if (
      memo !== undefined &&
      memo.options === options &&
      memo.operation === operation &&
      sameMembers(memo, response, undefined)
    )
      return memo.text
    const text = encodedText(this.#freshResponse(response, operation, options))
    this.#response.set(data, { ...remembered(options, response, text), operation })
    return text
  }

  #freshRequest(request: AuditRequest, options: HashOptions): string {
    return JSON.stringify(hashRequestSection(request, this.#hmac, options, this.#data))
  }

  #freshResponse(response: AuditResponse, operation: string | undefined, options: HashOptions): string {
    return JSON.stringify(hashResponseSection(response, operation, this.#hmac, options, this.#data))
  }
}

function remembered<T extends object>(options: HashOptions, source: T, text: EncodedText): Remembered<T> {
  return { options, source, keys: Object.keys(source), text }
}

/**
 * Whether `section` has memo.source's members in the same order (but `skip`, whose value may differ), each
 * the same primitive or the same object, or (for a `namespace` given by id, rebuilt per entry) an equal object
 * of strings.
 */
function sameMembers<T extends object>(memo: Remembered<T>, section: T, skip: string | undefined): boolean {
  const keys = memo.keys
  const source = memo.source as Record<string, unknown>
  const values = section as Record<string, unknown>
  let i = 0
  for (const key in values) {
    if (keys[i] !== key) return false
    i++
    if (key === skip) continue
    const a = source[key]
    const b = values[key]
    if (a === b) continue
    if (!flatEqual(a, b)) return false
  }
  return i === keys.length
}

/** Two plain objects of primitive members, equal member by member in the same order (a request's namespace). */
function flatEqual(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) || Array.isArray(b)) return false
  const left = Object.keys(a)
  let i = 0
  for (const key in b) {
    if (left[i] !== key) return false
    const value = (b as Record<string, unknown>)[key]
    if (value !== null && typeof value === 'object') return false
    if ((a as Record<string, unknown>)[key] !== value) return false
    i++
  }
  return i === left.length
}
