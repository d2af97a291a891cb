import { ConverseCommand, type BedrockRuntimeClient, type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { INTENTS, type ClassifierFallbackReason, type Intent } from '../shared/contract';
import { describeError } from '../shared/responses';
import type { TokenUsage } from '../shared/quotas/token-budget';
import { recordMetric, recordModelUsage } from '../shared/metrics';
import { log } from '../shared/telemetry';

export interface Classification {
  readonly intent: Intent;
  /** `keywords` when the model failed, timed out or answered off-schema. */
  readonly source: 'model' | 'keywords';
  /** The tokens the model call cost, when it answered (they count against the caller's budgets). */
  readonly usage?: TokenUsage;
}

export interface ClassifierSettings {
  readonly modelId: string;
  /** The router answers a live socket: past this, the keyword fallback decides. */
  readonly timeoutMs: number;
}

const TOOL_NAME = 'classify_intent';
/** The intent shows in the opening words; a cap keeps the classifier call small and fast. */
const MAX_CLASSIFIED_CHARS = 4_000;

const SYSTEM_PROMPT = [
  'You route messages sent to FABLE, an assistant that can chat, remember facts and build new tools.',
  'Classify the user message with the classify_intent tool:',
  'BUILD - the user asks FABLE to build, create or change a tool, integration or automation for itself;',
  'MEMORY - the user asks FABLE to remember or note a fact, preference or instruction for later;',
  'CHAT - anything else: questions, conversation, requests answerable now (possibly with existing tools).',
].join('\n');

/**
 * Structured output through a forced tool call: the model must answer with
 * `classify_intent({intent})`, whose schema only admits the three intents.
 */
function classifyCommand(modelId: string, content: string): ConverseCommand {
  return new ConverseCommand({
    modelId,
    system: [{ text: SYSTEM_PROMPT }],
    messages: [{ role: 'user', content: [{ text: content.slice(0, MAX_CLASSIFIED_CHARS) }] }],
    inferenceConfig: { maxTokens: 64, temperature: 0 },
    toolConfig: {
      tools: [
        {
          toolSpec: {
            name: TOOL_NAME,
            description: 'Record the intent of the user message.',
            inputSchema: {
              json: {
                type: 'object',
                properties: { intent: { type: 'string', enum: [...INTENTS] } },
                required: ['intent'],
              },
            },
          },
        },
      ],
      toolChoice: { tool: { name: TOOL_NAME } },
    },
  });
}

function intentOf(response: ConverseCommandOutput): Intent | undefined {
  for (const block of response.output?.message?.content ?? []) {
    if (block.toolUse?.name !== TOOL_NAME) continue;
    const intent = (block.toolUse.input as { intent?: unknown } | undefined)?.intent;
    if (typeof intent === 'string' && (INTENTS as readonly string[]).includes(intent)) return intent as Intent;
  }
  return undefined;
}

const MEMORY_WORDS = /\b(remember|memori[sz]e|don'?t forget|do not forget|keep in mind|make a note|note that)\b/i;
const BUILD_VERBS = /\b(build|create|make|write|develop|generate|add)\b/i;
const BUILD_NOUNS = /\b(tools?|integrations?|plugins?|automations?|connectors?|functions?|skills?)\b/i;

/** The fallback when the model cannot answer: plain keywords, CHAT unless clearly otherwise. */
export function keywordIntent(content: string): Intent {
  if (MEMORY_WORDS.test(content)) return 'MEMORY';
  if (BUILD_VERBS.test(content) && BUILD_NOUNS.test(content)) return 'BUILD';
  return 'CHAT';
}

export async function classifyIntent(
  bedrock: BedrockRuntimeClient,
  settings: ClassifierSettings,
  content: string,
): Promise<Classification> {
  // The signal bounds the whole call, the SDK's own retries included, and aborts the request itself.
  const deadline = AbortSignal.timeout(settings.timeoutMs);
  let reason: ClassifierFallbackReason;
  // An off-schema answer still cost tokens; a failed call is counted as none.
  let usage: TokenUsage | undefined;
  try {
    const response = await bedrock.send(classifyCommand(settings.modelId, content), { abortSignal: deadline });
    recordModelUsage(response.usage);
    const intent = intentOf(response);
    usage = { inputTokens: response.usage?.inputTokens ?? 0, outputTokens: response.usage?.outputTokens ?? 0 };
    if (intent) return { intent, source: 'model', usage };
    reason = 'off-schema';
    log.warn('classifier answered off-schema; using keywords');
  } catch (error) {
    reason = deadline.aborted ? 'timeout' : 'error';
    log.warn('classifier failed; using keywords', { reason, error: describeError(error) });
  }
  recordMetric('classifierFallbacks', 1, { Reason: reason });
  return { intent: keywordIntent(content), source: 'keywords', ...(usage ? { usage } : {}) };
}
