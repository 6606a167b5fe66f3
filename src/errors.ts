// Errors that carry the HTTP answer the webhook should get. Messages are written for the caller and never
// include tokens or secrets.

export class HttpError extends Error {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly code: string

  constructor (statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = 'HttpError'
    this.statusCode = statusCode
    this.code = code
    this.headers = headers
  }
}
