// Formats and examples shared by the shapes.
import { Type } from 'typebox'

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
export const EXAMPLE_ID = '4ff43965-ec45-4f8c-8019-d83551de6d0a'
export const EXAMPLE_QUEUE_ID = 'c0ffee00-0000-4000-8000-000000000001'

export const ConversationId = Type.String({ pattern: UUID_PATTERN, description: 'Genesys conversation id (UUID)' })
