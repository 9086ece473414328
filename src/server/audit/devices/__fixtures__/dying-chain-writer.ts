// The file audit device's writer thread, but it dies (exits) on a batch holding the line text `{"die":1`, and
// stops for good (blocked, as on a hung disk) on one holding `{"hang":1`.
import { parentPort } from 'node:worker_threads'
import type { WriterRequest } from '../chained-file-protocol.ts'

// Registered before the real thread's listener, so the exit comes before that batch is chained or written.
parentPort!.on('message', (request: WriterRequest) => {
  if (request.type === 'batch' && request.items.includes('{"die":1')) process.exit(3)
  if (request.type === 'batch' && request.items.includes('{"hang":1'))
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
})
await import('../chained-file-worker.ts')
