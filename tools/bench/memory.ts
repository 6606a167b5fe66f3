// The memory figure: a worker of its own fills the embedded store through the real HandoffService and reports
// its RSS, with a garbage collection before each reading.
import { runOnce } from './processes.js'
import { round, type MemoryResult } from './types.js'

export async function memoryRun (conversations: number, events: number): Promise<MemoryResult> {
  const m = await runOnce('memory', { BENCH_CONVERSATIONS: String(conversations), BENCH_EVENTS: String(events) }, ['--expose-gc'])
  if (m.type !== 'memory') throw new Error(`memory worker said ${m.type}`)
  const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1)
  return {
    conversations: m.conversations,
    eventsPerConversation: m.eventsPerConversation,
    rssMb: mb(m.rss),
    rssBeforeMb: mb(m.rssBefore),
    heapUsedMb: mb(m.heapUsed),
    heapTotalMb: mb(m.heapTotal),
    fillMs: Math.round(m.fillMs),
    storeSize: m.storeSize
  }
}
