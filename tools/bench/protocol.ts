// What the bench parent and its worker processes share: the IPC messages and the credentials both sides use.
// Kept apart from worker.ts so the load generator does not load the service.

export const BENCH_CLIENT_ID = 'bench-client'
export const BENCH_CLIENT_SECRET = 'bench-client-secret-1b2c3d4e'
export const BENCH_QUEUE_ID = 'a3f1c2d4-0000-4000-8000-0000000000aa'
// Signature checking is on, as in production: every request carries its HMAC (computed ahead, off the clock).
export const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret-5f0c2a9e7b1d4c36'

export interface ParentMessage { type: 'stats' | 'stop' | 'clear' }

export type WorkerMessage =
  | { type: 'ready', url: string }
  | { type: 'stats', tokenRequests: number, calls: number, cpuMicros: number }
  | { type: 'memory', conversations: number, eventsPerConversation: number, rssBefore: number, rss: number, heapUsed: number, heapTotal: number, external: number, arrayBuffers: number, storeSize: number, fillMs: number }
