// A small Dockerfile interpreter for tests on machines without a container engine: it replays a target
// stage (and the stages it copies from) into a temporary directory that stands for the image's filesystem.
// WORKDIR, COPY (with --from and .dockerignore), ENV, USER, EXPOSE, CMD and HEALTHCHECK are carried out
// as Docker would; RUN lines are replayed by the `run` hook (which decides what each one becomes here), and
// an instruction this interpreter does not know fails the replay, so a Dockerfile change cannot slip past.
import { cp, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, posix } from 'node:path'

export interface Instruction { keyword: string, flags: Record<string, string>, args: string, line: number }
export interface Stage { name?: string, base: string, instructions: Instruction[] }

export interface HealthCheck { options: Record<string, string>, command: string[] }

export interface ImageState {
  /** host directory standing for the image's `/` */
  root: string
  workdir: string
  env: Record<string, string>
  user: string
  exposed: string[]
  cmd?: string[]
  healthcheck?: HealthCheck
}

export type RunHook = (command: string, state: ImageState) => Promise<void>

/** Parses a Dockerfile into stages; continuation lines are joined, comments and blank lines dropped. */
export function parseDockerfile (text: string): Stage[] {
  const stages: Stage[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const start = i
    let line = lines[i]!.trim()
    if (line === '' || line.startsWith('#')) continue
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++
      const next = lines[i]!.trim()
      line = line.slice(0, -1).trimEnd() + (next.startsWith('#') ? '' : ` ${next}`)
    }
    const [keyword = '', ...rest] = line.split(/\s+/)
    let args = rest.join(' ')
    const flags: Record<string, string> = {}
    for (let m = /^--([a-z-]+)=(\S+)\s*/.exec(args); m !== null; m = /^--([a-z-]+)=(\S+)\s*/.exec(args)) {
      flags[m[1]!] = m[2]!
      args = args.slice(m[0].length)
    }
    const instruction = { keyword: keyword.toUpperCase(), flags, args, line: start + 1 }
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)
      if (match === null) throw new Error(`line ${start + 1}: FROM ${args} not understood`)
      stages.push({ base: match[1]!, ...(match[2] !== undefined ? { name: match[2] } : {}), instructions: [] })
    } else {
      const stage = stages.at(-1)
      if (stage === undefined) throw new Error(`line ${start + 1}: ${keyword} before FROM`)
      stage.instructions.push(instruction)
    }
  }
  return stages
}

/** A JSON array (exec form) or, for shell form, ['/bin/sh', '-c', text]. */
export function execForm (args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[]
  return ['/bin/sh', '-c', args]
}

/** ENV a=b c="d e" (or the old ENV a b). */
function parseEnv (args: string): Record<string, string> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [name = '', ...value] = args.split(/\s+/)
    return { [name]: value.join(' ') }
  }
  const env: Record<string, string> = {}
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    env[m[1]!] = m[2]!.startsWith('"') ? JSON.parse(m[2]!) as string : m[2]!
  }
  return env
}

/** .dockerignore patterns as matchers on paths relative to the build context. */
function ignoreMatcher (context: string): (relative: string) => boolean {
  const file = join(context, '.dockerignore')
  if (!existsSync(file)) return () => false
  const patterns = readFileSync(file, 'utf8').split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))
  if (patterns.some(p => p.startsWith('!'))) throw new Error('.dockerignore exceptions (!) are not replayed')
  const regexes = patterns.map(p => new RegExp(`^${p.replace(/^\/+|\/+$/g, '').split('**').map(part =>
    part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('.*')}(/.*)?$`))
  return (relative) => regexes.some(r => r.test(relative))
}

export interface ReplayOptions {
  context: string
  /** the stage to build (default: the last one) */
  target?: string
  run: RunHook
}

/** Replays the target stage into a fresh directory; the caller removes `root` when done. */
export async function replay (stages: Stage[], opts: ReplayOptions): Promise<ImageState> {
  const ignored = ignoreMatcher(opts.context)
  const built = new Map<Stage, ImageState>()

  const stageNamed = (name: string): Stage | undefined => stages.find(s => s.name === name) ?? stages[Number(name)]

  const buildStage = async (stage: Stage): Promise<ImageState> => {
    const done = built.get(stage)
    if (done !== undefined) return done
    const parent = stageNamed(stage.base)
    let state: ImageState
    if (parent !== undefined) {
      const from = await buildStage(parent)
      const root = await mkdtemp(join(tmpdir(), 'image-'))
      await cp(from.root, root, { recursive: true, verbatimSymlinks: true })
      state = { ...structuredClone({ ...from, root: '' }), root }
    } else {
      // An image from a registry: only its filesystem's place is made; the host provides node and the shell.
      state = { root: await mkdtemp(join(tmpdir(), 'image-')), workdir: '/', env: {}, user: 'root', exposed: [] }
    }
    for (const instruction of stage.instructions) await apply(instruction, state)
    built.set(stage, state)
    return state
  }

  const hostPath = (state: ImageState, path: string): string => join(state.root, posix.resolve(state.workdir, path))

  const apply = async (ins: Instruction, state: ImageState): Promise<void> => {
    const where = `Dockerfile line ${ins.line}: ${ins.keyword}`
    switch (ins.keyword) {
      case 'WORKDIR':
        state.workdir = posix.resolve(state.workdir, ins.args)
        await mkdir(join(state.root, state.workdir), { recursive: true })
        return
      case 'ENV':
        Object.assign(state.env, parseEnv(ins.args))
        return
      case 'USER':
        state.user = ins.args
        return
      case 'EXPOSE':
        state.exposed.push(...ins.args.split(/\s+/))
        return
      case 'CMD':
        state.cmd = execForm(ins.args)
        return
      case 'HEALTHCHECK': {
        const match = /^CMD\s+(.*)$/.exec(ins.args)
        if (match === null) throw new Error(`${where} ${ins.args} not understood`)
        state.healthcheck = { options: ins.flags, command: execForm(match[1]!) }
        return
      }
      case 'RUN':
        await opts.run(ins.args, state)
        return
      case 'COPY': {
        const parts = ins.args.startsWith('[') ? JSON.parse(ins.args) as string[] : ins.args.split(/\s+/)
        const dest = parts.pop()
        if (dest === undefined || parts.length === 0) throw new Error(`${where} needs a source and a destination`)
        const fromStage = ins.flags.from === undefined ? undefined : stageNamed(ins.flags.from)
        if (ins.flags.from !== undefined && fromStage === undefined) throw new Error(`${where} --from=${ins.flags.from}: no such stage`)
        const source = fromStage === undefined ? null : await buildStage(fromStage)
        const intoDir = dest.endsWith('/') || parts.length > 1
        for (const src of parts) {
          const from = source === null ? join(opts.context, src) : join(source.root, posix.resolve(source.workdir, src))
          const isDir = (await stat(from)).isDirectory()
          const to = intoDir && !isDir ? join(hostPath(state, dest), basename(src)) : hostPath(state, dest)
          await cp(from, to, {
            recursive: true,
            verbatimSymlinks: true,
            filter: (path) => source !== null || !ignored(path.slice(opts.context.length + 1))
          })
        }
        return
      }
      case 'LABEL':
        return
      default:
        throw new Error(`${where} is not replayed here; teach test/dockerfile-replay.ts`)
    }
  }

  const target = opts.target === undefined ? stages.at(-1) : stageNamed(opts.target)
  if (target === undefined) throw new Error(`no stage ${opts.target ?? ''}`)
  const image = await buildStage(target)
  // Intermediate stages are not needed once the image is assembled.
  for (const [stage, state] of built) if (stage !== target) await rm(state.root, { recursive: true, force: true })
  return image
}

export async function readDockerfile (path: string): Promise<Stage[]> {
  return parseDockerfile(await readFile(path, 'utf8'))
}
