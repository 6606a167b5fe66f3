// Reads the V8 CPU profiles that `--profile DIR` makes the servers write.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

interface CpuProfile {
  nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number } }>
  samples: number[]
  timeDeltas: number[]
}

/**
 * Self time per function across the profiles in dir, as a share of the time the process was busy (V8's
 * "(idle)" samples left out: waiting for the network is not a cost): the top entries, as "percent function (file:line)".
 */
export function topSelfTime (dir: string, limit = 15): string[] {
  const totals = new Map<string, number>()
  let all = 0
  for (const file of readdirSync(dir).filter(f => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
    const byId = new Map(profile.nodes.map(n => [n.id, n]))
    profile.samples.forEach((id, i) => {
      const node = byId.get(id)
      if (node === undefined || node.callFrame.functionName === '(idle)') return
      const { functionName, url, lineNumber } = node.callFrame
      const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|plugins|tools)\//, '$1/')
      const key = `${functionName === '' ? '(anonymous)' : functionName} (${where}:${lineNumber + 1})`
      const dt = profile.timeDeltas[i] ?? 0
      totals.set(key, (totals.get(key) ?? 0) + dt)
      all += dt
    })
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, v]) => `${(100 * v / all).toFixed(1).padStart(5)}% ${k}`)
}
