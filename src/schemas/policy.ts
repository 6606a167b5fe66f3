// The escalation policy's shapes: the file a team writes (PolicyFile, validated on load and reload) and the
// effective policy it becomes once the environment's defaults are filled in (PolicySpec, what the version
// hashes). JSON Schema through TypeBox, so the same definitions validate, type and document.
import { Type, type Static } from 'typebox'
import { RoutingTargetSchema } from './decision.js'

const Threshold = Type.Number({ minimum: 0, maximum: 1, description: 'confidence strictly below this hands off' })

/** Part of a target in a file: the fields given replace the defaults' fields, the rest fall back to them. */
export const TargetOverrideSchema = Type.Partial(RoutingTargetSchema, { additionalProperties: false })
export type TargetOverride = Static<typeof TargetOverrideSchema>

export const HANDOFF_MODES = ['always', 'never'] as const

export const IntentRuleSchema = Type.Object({
  handoff: Type.Optional(Type.Enum(HANDOFF_MODES, { description: 'always or never hand off on this intent, whatever the confidence' })),
  threshold: Type.Optional(Threshold),
  target: Type.Optional(TargetOverrideSchema)
}, { additionalProperties: false })
export type IntentRule = Static<typeof IntentRuleSchema>

/** An intent name, or a prefix ending in `*` (e.g. `billing_*`). */
export const INTENT_KEY_PATTERN = '^[^*]+\\*?$|^\\*$'

export const HumanRequestRuleSchema = Type.Object({
  phrases: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 500 }),
  target: Type.Optional(TargetOverrideSchema)
}, { additionalProperties: false })

export const LowConfidenceStreakRuleSchema = Type.Object({
  turns: Type.Integer({ minimum: 2, maximum: 50, description: 'this many events in a row under softThreshold hand off' }),
  softThreshold: Threshold,
  target: Type.Optional(TargetOverrideSchema)
}, { additionalProperties: false })

export const MaxBotTurnsRuleSchema = Type.Object({
  turns: Type.Integer({ minimum: 1, maximum: 100_000, description: 'the bot answers at most this many events' }),
  target: Type.Optional(TargetOverrideSchema)
}, { additionalProperties: false })

/** The policy file (POLICY_FILE, SHADOW_POLICY_FILE), JSON or YAML. Every part is optional. */
export const PolicyFileSchema = Type.Object({
  defaults: Type.Optional(Type.Object({
    threshold: Type.Optional(Threshold),
    target: Type.Optional(TargetOverrideSchema)
  }, { additionalProperties: false })),
  intents: Type.Optional(Type.Record(Type.String({ pattern: INTENT_KEY_PATTERN, maxLength: 200 }), IntentRuleSchema, { additionalProperties: false })),
  humanRequest: Type.Optional(HumanRequestRuleSchema),
  lowConfidenceStreak: Type.Optional(LowConfidenceStreakRuleSchema),
  maxBotTurns: Type.Optional(MaxBotTurnsRuleSchema)
}, { additionalProperties: false })
export type PolicyFile = Static<typeof PolicyFileSchema>

const EffectiveIntent = Type.Object({
  handoff: Type.Optional(Type.Enum(HANDOFF_MODES)),
  threshold: Type.Optional(Threshold),
  target: Type.Optional(RoutingTargetSchema)
})

/** The single-threshold settings the environment gives (INTENT_CONFIDENCE_THRESHOLD, HANDOFF_*). */
export const PolicyDefaultsSchema = Type.Object({ threshold: Threshold, target: RoutingTargetSchema })
export type PolicyDefaults = Static<typeof PolicyDefaultsSchema>

/** The effective policy: file merged over the defaults, targets complete, phrases normalised. */
export const PolicySpecSchema = Type.Object({
  defaults: PolicyDefaultsSchema,
  intents: Type.Record(Type.String(), EffectiveIntent),
  humanRequest: Type.Union([Type.Object({ phrases: Type.Array(Type.String()), target: Type.Optional(RoutingTargetSchema) }), Type.Null()]),
  lowConfidenceStreak: Type.Union([Type.Object({ turns: Type.Integer(), softThreshold: Threshold, target: Type.Optional(RoutingTargetSchema) }), Type.Null()]),
  maxBotTurns: Type.Union([Type.Object({ turns: Type.Integer(), target: Type.Optional(RoutingTargetSchema) }), Type.Null()])
})
export type PolicySpec = Static<typeof PolicySpecSchema>
