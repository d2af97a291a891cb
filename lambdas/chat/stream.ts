import {
  ConverseStreamCommand,
  type BedrockRuntimeClient,
  type ContentBlock,
  type ConverseStreamOutput,
  type Message,
  type ToolConfiguration,
} from '@aws-sdk/client-bedrock-runtime';
import type { ServerFrame } from '../shared/contract';
import { frame, type SendOutcome } from '../shared/websocket';
import { ChunkCoalescer, CHUNK_COALESCING, type CoalescingOptions } from './chunks';
import type { ToolOutcome } from './tools';
import type { TokenUsage } from '../shared/quotas/token-budget';
import { log } from '../shared/telemetry';
import { recordModelUsage } from '../shared/metrics';

/** Tool rounds per reply: each is a model call plus tool invocations, so the bound caps time and cost. */
export const MAX_TOOL_ROUNDS = 3;
export const MAX_REPLY_TOKENS = 2_048;

/** The model a reply streams from; throttled or failing calls are retried by the Bedrock client itself. */
export interface ReplyModel {
  readonly bedrock: BedrockRuntimeClient;
  readonly modelId: string;
}

export interface ReplyIo {
  readonly sendFrame: (message: ServerFrame) => Promise<SendOutcome>;
  readonly runTool: (name: string, input: unknown) => Promise<ToolOutcome>;
  readonly context: { readonly requestId: string; readonly conversationId: string };
  readonly coalescing?: CoalescingOptions;
  /** Told the tokens of each model call as its stream reports them (`metadata.usage`). */
  readonly onUsage: (usage: TokenUsage) => void;
}

export interface Prompt {
  readonly system: string;
  readonly messages: readonly Message[];
  readonly tools?: ToolConfiguration;
}

export type ReplyResult =
  | { readonly outcome: 'completed'; readonly text: string; readonly toolRounds: number }
  | { readonly outcome: 'gone' };

const GONE: ReplyResult = { outcome: 'gone' };

/** An error event inside the model's stream, named like the SDK's exceptions so they classify alike. */
class ModelStreamError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const STREAM_ERRORS = [
  'internalServerException',
  'modelStreamErrorException',
  'validationException',
  'throttlingException',
  'serviceUnavailableException',
] as const;

interface ToolCall {
  readonly toolUseId: string;
  readonly name: string;
  /** undefined when the model produced input that is not JSON. */
  readonly input: Record<string, unknown> | undefined;
}

interface Round {
  readonly stopReason?: string;
  /** The call's token counts (the stream's metadata event). */
  readonly usage?: { readonly inputTokens?: number; readonly outputTokens?: number };
  readonly text: string;
  readonly content: ContentBlock[];
  readonly toolCalls: ToolCall[];
}

type BlockDraft = { kind: 'text'; text: string } | { kind: 'toolUse'; toolUseId: string; name: string; json: string };

function parseToolInput(json: string): Record<string, unknown> | undefined {
  if (json.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Read one model response: stream its text into the coalescer, collect tool calls. Stops early when the socket is gone. */
async function consumeRound(
  stream: AsyncIterable<ConverseStreamOutput>,
  chunks: ChunkCoalescer,
  separator: string,
): Promise<Round> {
  const drafts = new Map<number, BlockDraft>();
  let stopReason: string | undefined;
  let usage: Round['usage'];
  let text = '';
  for await (const event of stream) {
    for (const key of STREAM_ERRORS) {
      const error = event[key];
      if (error) throw new ModelStreamError(key[0].toUpperCase() + key.slice(1), error.message ?? key);
    }
    const start = event.contentBlockStart;
    if (start?.start?.toolUse) {
      const { toolUseId = '', name = '' } = start.start.toolUse;
      drafts.set(start.contentBlockIndex ?? drafts.size, { kind: 'toolUse', toolUseId, name, json: '' });
    }
    const delta = event.contentBlockDelta;
    if (delta?.delta?.text !== undefined) {
      const index = delta.contentBlockIndex ?? 0;
      const draft = drafts.get(index) ?? { kind: 'text', text: '' };
      if (draft.kind === 'text') {
        const piece = text === '' ? separator + delta.delta.text : delta.delta.text;
        draft.text += delta.delta.text;
        drafts.set(index, draft);
        text += piece;
        await chunks.push(piece);
        if (chunks.gone) break;
      }
    }
    if (delta?.delta?.toolUse?.input !== undefined) {
      const draft = drafts.get(delta.contentBlockIndex ?? 0);
      if (draft?.kind === 'toolUse') draft.json += delta.delta.toolUse.input;
    }
    if (event.messageStop) stopReason = event.messageStop.stopReason;
    if (event.metadata?.usage) usage = event.metadata.usage;
  }
  const content: ContentBlock[] = [];
  const toolCalls: ToolCall[] = [];
  for (const [, draft] of [...drafts.entries()].sort(([a], [b]) => a - b)) {
    if (draft.kind === 'text') {
      if (draft.text.trim() !== '') content.push({ text: draft.text });
      continue;
    }
    const input = parseToolInput(draft.json);
    content.push({ toolUse: { toolUseId: draft.toolUseId, name: draft.name, input: (input ?? {}) as never } });
    toolCalls.push({ toolUseId: draft.toolUseId, name: draft.name, input });
  }
  return { stopReason, usage, text, content, toolCalls };
}

/**
 * Stream a reply with Bedrock ConverseStream: text goes out as coalesced `chat_chunk` frames,
 * `tool_use` stops run the org's tools (with `tool_use`/`tool_result` frames) and feed the results
 * back, for at most MAX_TOOL_ROUNDS rounds. Returns the full text, or `gone` once the socket vanished
 * (the model stream is then abandoned: no more Bedrock calls, no more frames).
 */
export async function streamReply(model: ReplyModel, io: ReplyIo, prompt: Prompt): Promise<ReplyResult> {
  const abort = new AbortController();
  const chunks = new ChunkCoalescer(
    (text) => io.sendFrame(frame('chat_chunk', { text }, io.context)),
    io.coalescing ?? CHUNK_COALESCING,
  );
  const messages: Message[] = [...prompt.messages];
  let text = '';
  let toolRounds = 0;
  for (;;) {
    const response = await model.bedrock.send(
      new ConverseStreamCommand({
        modelId: model.modelId,
        system: [{ text: prompt.system }],
        messages,
        toolConfig: prompt.tools,
        inferenceConfig: { maxTokens: MAX_REPLY_TOKENS },
      }),
      { abortSignal: abort.signal },
    );
    if (!response.stream) throw new ModelStreamError('ModelStreamErrorException', 'Bedrock returned no stream');
    const separator = text !== '' && !/\s$/.test(text) ? '\n\n' : '';
    const turn = await consumeRound(response.stream, chunks, separator);
    recordModelUsage(turn.usage);
    if (turn.usage) io.onUsage({ inputTokens: turn.usage.inputTokens ?? 0, outputTokens: turn.usage.outputTokens ?? 0 });
    if (chunks.gone) {
      abort.abort();
      return GONE;
    }
    text += turn.text;
    if (turn.stopReason !== 'tool_use' || turn.toolCalls.length === 0) break;
    if (toolRounds >= MAX_TOOL_ROUNDS) {
      log.warn('tool round limit reached', { toolRounds });
      break;
    }
    await chunks.endSegment();
    if (chunks.gone) return GONE;
    messages.push({ role: 'assistant', content: turn.content });
    const results: ContentBlock[] = [];
    for (const call of turn.toolCalls) {
      if ((await io.sendFrame(frame('tool_use', { name: call.name }, io.context))) === 'gone') return GONE;
      const outcome: ToolOutcome =
        call.input === undefined
          ? { ok: false, content: JSON.stringify({ error: 'Tool input was not a JSON object' }) }
          : await io.runTool(call.name, call.input);
      if ((await io.sendFrame(frame('tool_result', { name: call.name, ok: outcome.ok }, io.context))) === 'gone') return GONE;
      results.push({
        toolResult: { toolUseId: call.toolUseId, content: [{ text: outcome.content }], status: outcome.ok ? 'success' : 'error' },
      });
    }
    messages.push({ role: 'user', content: results });
    toolRounds++;
  }
  await chunks.flush();
  return chunks.gone ? GONE : { outcome: 'completed', text, toolRounds };
}
