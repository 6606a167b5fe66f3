// The service as a real process (plugins/server.ts via tsx) for shutdown and resource-limit tests: its log
// lines, its exit code, and the environment and signed webhooks it is driven with.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ADMIN_TOKEN, CLIENT_ID, CLIENT_SECRET, QUEUE_ID, SESSION_SECRET, WEBHOOK_SECRET, ROUTING_METADATA, simulator } from './helper.js'
import { signature } from '../src/webhook-signature.js'

interface Teardown { teardown: (fn: () => unknown) => void }

const root = fileURLToPath(new URL('..', import.meta.url))

export interface Server {
  child: ChildProcess
  url: string
  lines: Array<Record<string, unknown>>
  /** the first line whose message starts with msg (and that `match` accepts), logged already or to come */
  waitForLog: (msg: string, match?: (line: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>
  exited: Promise<number | null>
}

export interface StartOptions {
  /** run under this file-descriptor limit (`ulimit -n`) */
  maxOpenFiles?: number
}

/** The real server process (plugins/server.ts via tsx), its JSON log lines and its exit code. */
export async function startServer (t: Teardown, env: Record<string, string>, opts: StartOptions = {}): Promise<Server> {
  const node = [process.execPath, '--import', 'tsx', 'plugins/server.ts']
  const [command, args] = opts.maxOpenFiles === undefined
    ? [node[0]!, node.slice(1)]
    : ['sh', ['-c', `ulimit -n ${opts.maxOpenFiles} && exec "$@"`, 'sh', ...node]]
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: Array<Record<string, unknown>> = []
  type Waiter = { msg: string, match: (line: Record<string, unknown>) => boolean, resolve: (line: Record<string, unknown>) => void }
  const waiters: Waiter[] = []
  const wanted = (line: Record<string, unknown>, w: Pick<Waiter, 'msg' | 'match'>): boolean => String(line.msg).startsWith(w.msg) && w.match(line)
  let buffered = ''
  let stderr = ''
  child.stderr?.on('data', (chunk) => { stderr += String(chunk) })
  child.stdout?.on('data', (chunk) => {
    buffered += String(chunk)
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    for (const part of parts) {
      if (part.trim() === '') continue
      const line = JSON.parse(part) as Record<string, unknown>
      lines.push(line)
      for (const w of waiters.filter(w => wanted(line, w))) w.resolve(line)
    }
  })
  // 'close', not 'exit': by then every line the process wrote has been read.
  const exited = new Promise<number | null>(resolve => child.on('close', code => { resolve(code) }))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const waitForLog = async (msg: string, match: (line: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> => {
    const seen = lines.find(l => wanted(l, { msg, match }))
    if (seen !== undefined) return seen
    return await new Promise((resolve, reject) => {
      waiters.push({ msg, match, resolve })
      exited.then(code => { reject(new Error(`server exited (${String(code)}) before logging "${msg}": ${stderr}`)) }, reject)
    })
  }
  const listening = await waitForLog('Server listening at')
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(String(listening.msg))?.[1]
  if (url === undefined) throw new Error(`no address in ${String(listening.msg)}`)
  return { child, url, lines, waitForLog, exited }
}

/** What the server needs to start against the simulator, and nothing more (the defaults stay as shipped). */
export function simulatorEnv (simUrl: string): Record<string, string> {
  return {
    GENESYS_CLIENT_ID: CLIENT_ID,
    GENESYS_CLIENT_SECRET: CLIENT_SECRET,
    GENESYS_API_BASE_URL: simUrl,
    GENESYS_LOGIN_BASE_URL: simUrl,
    HANDOFF_QUEUE_ID: QUEUE_ID,
    SESSION_SECRET
  }
}

export function env (simUrl: string, extra: Record<string, string>): Record<string, string> {
  return {
    ...simulatorEnv(simUrl),
    ADMIN_TOKEN,
    WEBHOOK_SECRET,
    ...ROUTING_METADATA,
    // no drain pause unless a test is about it
    SHUTDOWN_DRAIN_MS: '0',
    ...extra
  }
}

export async function postSigned (url: string, body: unknown): Promise<Response> {
  const payload = JSON.stringify(body)
  return await fetch(`${url}/webhook/messaging`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(WEBHOOK_SECRET, payload) },
    body: payload
  })
}

/** A simulator whose routing update (PUT) takes latencyMs; resolves putArrived when the PUT comes in. */
export async function slowTransfer (t: Teardown, latencyMs: number): Promise<{ sim: Awaited<ReturnType<typeof simulator>>, putArrived: Promise<void> }> {
  const sim = await simulator(t)
  let arrived: () => void = () => {}
  const putArrived = new Promise<void>(resolve => { arrived = resolve })
  const take = sim.state.takeFault.bind(sim.state)
  sim.state.takeFault = (method, path) => {
    const fault = take(method, path)
    if (method === 'PUT' && fault !== undefined) arrived()
    return fault
  }
  sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations', latencyMs })
  return { sim, putArrived }
}
