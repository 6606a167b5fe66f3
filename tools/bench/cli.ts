// `npm run bench`: load-tests the webhook path on loopback and compares it with bare Fastify (the reference the
// targets use) and a bare node:http ceiling. Every server (bare ceiling, bare Fastify, Genesys simulator,
// service) runs in its own child process; autocannon drives them from this one. Prints a table, checks the
// targets and writes JSON results (bench-results.json). `npm run bench -- --help` lists the flags.
// Runs as JavaScript compiled by `tsc -p tsconfig.tools.json`, which the npm script does first.
import { readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { topSelfTime } from './profile.js'
import { formatTable } from './report.js'
import { runBench } from './run.js'
import type { BenchOptions } from './types.js'

const HELP = `npm run bench -- [flags]
  --duration S       seconds measured per load scenario (default 10)
  --warmup S         seconds of unmeasured load before each (default 2)
  --rounds N         interleaved rounds the duration is split into (default 5)
  --connections N    concurrent connections (default 50)
  --pool N           conversations the continue path picks from at random (default 10000)
  --burst N          concurrent first handoffs in the cold burst (default 1000)
  --conversations N  conversations for the memory figure (default 100000)
  --events N         events per conversation for the memory figure (default 10)
  --only LIST        comma list of: bare,fastify,floor,continue,handoff,redis,burst,memory (default all)
  --log-level L      service log level (default info, the target's condition; others are for comparison)
  --profile DIR      write a V8 CPU profile of each server process to DIR (slower; figures not comparable)
  --out FILE         JSON results (default bench-results.json)`

function parseOptions (argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      pool: { type: 'string', default: '10000' },
      burst: { type: 'string', default: '1000' },
      conversations: { type: 'string', default: '100000' },
      events: { type: 'string', default: '10' },
      only: { type: 'string', default: 'bare,fastify,floor,continue,handoff,redis,burst,memory' },
      profile: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      out: { type: 'string', default: 'bench-results.json' },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help === true) return null
  const num = (name: string, raw: string, min: number): number => {
    const n = Number(raw)
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${raw}`)
    return n
  }
  return {
    duration: num('duration', values.duration, 1),
    warmup: num('warmup', values.warmup, 0),
    rounds: Math.round(num('rounds', values.rounds, 1)),
    connections: num('connections', values.connections, 1),
    pool: num('pool', values.pool, 1),
    burst: num('burst', values.burst, 1),
    conversations: num('conversations', values.conversations, 1),
    events: num('events', values.events, 1),
    only: new Set(values.only.split(',').map(s => s.trim()).filter(s => s !== '')),
    profile: values.profile === undefined ? null : resolve(values.profile),
    logLevel: values['log-level'],
    out: values.out
  }
}

async function main (): Promise<void> {
  const opts = parseOptions(process.argv.slice(2))
  if (opts === null) {
    console.log(HELP)
    return
  }
  process.stderr.write(`bench: ${opts.duration}s per scenario after ${opts.warmup}s warm-up, ${opts.connections} connections\n`)
  const results = await runBench(opts)
  console.log(formatTable(results))
  if (opts.profile !== null) {
    for (const dir of readdirSync(opts.profile)) {
      console.log(`\nCPU self time (share of busy time), ${dir} service:`)
      for (const line of topSelfTime(join(opts.profile, dir))) console.log(line)
    }
  }
  writeFileSync(opts.out, JSON.stringify(results, null, 2) + '\n')
  console.log(`results written to ${opts.out}`)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
