// Runs the shared storage contract against MemoryStorage.
import { MemoryStorage } from './memory.ts'
import { runStorageContract } from './storage.contract.ts'

runStorageContract('memory', async () => new MemoryStorage())
