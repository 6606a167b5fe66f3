// The bench's child processes: each server (and the memory run) is a worker.js process of its own, compiled
// JavaScript run without a TypeScript loader, as `npm start` runs the service.
import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ParentMessage, WorkerMessage } from './protocol.js'

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url))

export interface Worker {
  url: string
  child: ChildProcess
  request: (message: ParentMessage) => Promise<WorkerMessage>
  stop: () => Promise<void>
}

function forkWorker (role: string, env: Record<string, string>, execArgv: string[]): ChildProcess {
  return fork(WORKER, [role], {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
}

/** The first message a worker sends, or an error naming the role when it exits first. */
async function firstMessage (child: ChildProcess, role: string): Promise<WorkerMessage> {
  return await new Promise<WorkerMessage>((resolve, reject) => {
    child.once('message', (m: WorkerMessage) => resolve(m))
    child.once('exit', (code) => reject(new Error(`bench worker ${role} exited (${String(code)}) before it answered`)))
  })
}

/** Starts a server role and waits until it listens. */
export async function startWorker (role: string, env: Record<string, string> = {}, execArgv: string[] = []): Promise<Worker> {
  const child = forkWorker(role, env, execArgv)
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const ready = await firstMessage(child, role)
  if (ready.type !== 'ready') throw new Error(`bench worker ${role} said ${ready.type}`)
  return {
    url: ready.url,
    child,
    request: async (message) => await new Promise((resolve, reject) => {
      if (child.exitCode !== null || !child.connected) return reject(new Error(`bench worker ${role} has exited`))
      const gone = (): void => reject(new Error(`bench worker ${role} exited during the run`))
      child.once('exit', gone)
      child.once('message', (m: WorkerMessage) => { child.off('exit', gone); resolve(m) })
      child.send(message)
    }),
    stop: async () => {
      if (child.exitCode === null && child.connected) child.send({ type: 'stop' } satisfies ParentMessage)
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}

/** Runs a role that does its work, sends one result and exits (the memory run). */
export async function runOnce (role: string, env: Record<string, string>, execArgv: string[]): Promise<WorkerMessage> {
  return await firstMessage(forkWorker(role, env, execArgv), role)
}

/** Sends a message that has no answer, and lets it leave before the next step. */
export async function tell (worker: Worker, message: ParentMessage): Promise<void> {
  worker.child.send(message)
  await new Promise(resolve => setImmediate(resolve))
}

/** CPU time (µs) the worker's process has used so far; 0 for no worker. */
export async function cpuOf (worker: Worker | null): Promise<number> {
  if (worker === null) return 0
  const stats = await worker.request({ type: 'stats' })
  return stats.type === 'stats' ? stats.cpuMicros : 0
}

/** Node flags that write a V8 CPU profile of the process to <profile>/<name>, when profiling. */
export function profileArgs (profile: string | null, name: string): string[] {
  if (profile === null) return []
  const dir = join(profile, name)
  mkdirSync(dir, { recursive: true })
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`]
}
