// The writer thread's checkpoint schedule: starts checkpoints on the checkpoint thread and finishes each between commits.
import { Worker } from 'node:worker_threads'
import type { WriteConnection } from './driver.ts'
import type { CheckpointerData, CheckpointerReply, CheckpointerRequest } from './protocol.ts'
import { WalIndex } from './wal-index.ts'

const CHECKPOINTER_URL = new URL('./checkpointer.ts', import.meta.url)

/**
 * SQLite's own checkpoints run inside the commit that crosses the mark, so every write of that group (and every
 * group queued behind it) waits for a copy of thousands of pages and an fsync of the database file: the p99 stall.
 * Here the bulk of each checkpoint runs on a thread and connection of its own while commits go on (a PASSIVE
 * checkpoint takes no lock a commit needs). It cannot finish the job: frames committed while it copied are left,
 * and the WAL starts over only once every frame is in the database file. So when it is done the writer thread,
 * between two commits, checkpoints the few frames committed meanwhile; the next commit then starts the WAL over.
 * Should the checkpoint thread fail, the writer's connection goes back to SQLite's own automatic checkpoints.
 */
export class CheckpointSchedule {
  readonly #db: WriteConnection
  readonly #frames: number
  readonly #walIndex: WalIndex
  #worker: Worker | undefined
  #running = false
  #exited: Promise<void> | undefined
  readonly #file: string
  /** Set once the checkpoint thread has failed (SQLite checkpoints inside commits from then on) or is closing. */
  #fellBack = false

  readonly #script: URL

  constructor(file: string, db: WriteConnection, frames: number, script: URL = CHECKPOINTER_URL) {
    this.#file = file
    this.#script = script
    this.#db = db
    this.#frames = frames
    this.#walIndex = new WalIndex(file)
  }

  /** Started at the first checkpoint, so a store that never fills the WAL that far costs no thread. */
  #start(): Worker {
    const worker = new Worker(this.#script, {
      workerData: { path: this.#file } satisfies CheckpointerData,
    })
    // The writer thread lives as long as its port to the request thread; this one must not extend it.
    worker.unref()
    worker.on('message', (reply: CheckpointerReply) => this.#onReply(reply))
    worker.on('error', () => this.#fallBack())
    this.#exited = new Promise((resolve) =>
      worker.on('exit', () => {
        this.#fallBack()
        resolve()
      }),
    )
    this.#worker = worker
    return worker
  }

  /** After a commit: start a checkpoint when the WAL has run far enough ahead of the database file. */
  afterCommit(): void {
    if (this.#fellBack || this.#running) return
    const behind = this.#walIndex.uncheckpointedFrames()
    if (behind === undefined) {
      this.#fallBack()
      return
    }
    if (behind < this.#frames) return
    this.#running = true
    const worker = this.#worker ?? this.#start()
    worker.postMessage({ type: 'checkpoint' } satisfies CheckpointerRequest)
  }

  /** Stop the checkpoint thread (its connection closed), so the writer's connection is the last to close. */
  async close(): Promise<void> {
    this.#fellBack = true
    this.#walIndex.close()
    const worker = this.#worker
    if (worker === undefined) return
    this.#worker = undefined
    worker.postMessage({ type: 'close' } satisfies CheckpointerRequest)
    await this.#exited
  }

  #onReply(reply: CheckpointerReply): void {
    this.#running = false
    if (this.#fellBack) return
    if (reply.type === 'failed') {
      this.#fallBack()
      return
    }
    // Between commits: nothing is committed while this runs, so it copies every frame still left (those committed
    // during the checkpoint thread's pass), and the next commit starts the WAL over.
    try {
      this.#db.checkpoint()
    } catch {
      // A reader still holding an old snapshot, or an I/O error: the next pass tries again.
    }
  }

  /** Checkpoint the way SQLite does by itself, inside commits, from now on. */
  #fallBack(): void {
    if (this.#fellBack) return
    this.#fellBack = true
    this.#running = false
    this.#db.autocheckpoint(this.#frames)
    void this.#worker?.terminate()
    this.#worker = undefined
  }
}
