// Checkpoint thread for SqliteStorage: copies the WAL into the database file on a connection of its own, beside commits.
import { parentPort, workerData } from 'node:worker_threads'
import { openCheckpointConnection } from './driver.ts'
import type { CheckpointerData, CheckpointerReply, CheckpointerRequest } from './protocol.ts'

const port = parentPort
if (port === null)
  throw new Error('sqlite/checkpointer.ts runs as a worker thread started by the writer thread')
const { path } = workerData as CheckpointerData
const connection = openCheckpointConnection(path)

port.on('message', (request: CheckpointerRequest) => {
  if (request.type === 'close') {
    connection.close()
    port.close()
    return
  }
  // PASSIVE: copies the frames no reader still needs and fsyncs the database file, taking no lock a commit needs.
  let reply: CheckpointerReply
  try {
    reply = { type: 'checkpointed', ...connection.checkpoint() }
  } catch (error) {
    reply = { type: 'failed', message: error instanceof Error ? error.message : String(error) }
  }
  port.postMessage(reply)
})
