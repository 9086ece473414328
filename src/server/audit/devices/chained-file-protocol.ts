// Messages between the request thread and a file audit device's writer thread (chained-file-device.ts, -worker.ts).
import type { KeyObject } from 'node:crypto'
import type { LinePart } from '../line-part.ts'

/**
 * One line for the writer thread to chain: an entry's JSON text without its closing brace (the thread appends
 * `,"seq":…,"prev_hash":"…"}`), whole or as parts to join; or a checkpoint to sign, stamped with the time the
 * request thread gave it.
 */
export type ChainItem =
  | string
  | readonly LinePart[]
  | { readonly checkpoint: string; readonly resumed?: true }

/**
 * A ChainItem as sent to the thread: in a line's parts, a number stands for the text last defined under it by a
 * `fragment` item, which is no line itself and defines (or redefines) a number's text for the items after it.
 */
export type WireItem =
  | string
  | readonly (string | number)[]
  | { readonly checkpoint: string; readonly resumed?: true }
  | { readonly fragment: number; readonly text: string }

export interface WriterData {
  readonly filePath: string
  readonly mode: number
  readonly writeTimeoutMs: number
  readonly maxQueuedBytes?: number
  /** Signs the chain's checkpoints; a KeyObject crosses to the thread as a key, never as exported text. */
  readonly signingKey: KeyObject
}

export type WriterRequest =
  | { readonly type: 'batch'; readonly id: number; readonly items: readonly WireItem[] }
  | { readonly type: 'reopen'; readonly id: number }
  | { readonly type: 'close'; readonly id: number }

/** A device failure, as the device composed it (code and device name only: see deviceError). */
export interface WriterFailure {
  readonly message: string
  readonly code?: string
}

export type WriterReply =
  /** The file is open (or could not be: `error`); sent once, when the thread starts. */
  | { readonly type: 'opened'; readonly error?: WriterFailure }
  /** Request `id` is done: its lines were handed to the OS, or not (`error`). */
  | { readonly type: 'done'; readonly id: number; readonly error?: WriterFailure }
