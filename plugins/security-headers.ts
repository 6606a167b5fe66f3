// Security headers on every answer (src/security-headers.ts): the JSON API's set from the root, so errors,
// 404s and load-shedding answers carry it too; route plugins serving HTML (console, /docs) or operator data
// add their own set with securityHeaders(), which runs after the root's and overrides it. The root's hook
// also puts the request id on the answer: one hook instead of two on every request.
import fp from 'fastify-plugin'
import type { onRequestHookHandler } from 'fastify'
import { REQUEST_ID_HEADER } from '../src/request-id.js'
import { API_HEADERS, type HeaderSet } from '../src/security-headers.js'

/** An onRequest hook that puts these headers on the answer (a copy of precomputed values: no per-request work). */
export function securityHeaders (headers: HeaderSet): onRequestHookHandler {
  return function setSecurityHeaders (_request, reply, done) {
    reply.headers(headers)
    done()
  }
}

export default fp(async (app) => {
  app.addHook('onRequest', function setAnswerHeaders (request, reply, done) {
    reply.headers(API_HEADERS)
    reply.header(REQUEST_ID_HEADER, request.id)
    done()
  })
}, { name: 'security-headers' })
