// A stand-in writer thread that dies on its first group: exits when the first key is 'exit', else throws.
import { parentPort } from 'node:worker_threads'
import type { WriterRequest } from '../sqlite/protocol.ts'

parentPort!.on('message', (request: WriterRequest) => {
  if (request.type !== 'commit') return
  if (request.keys[0] === 'exit') process.exit(3)
  throw new Error('writer blew up')
})
