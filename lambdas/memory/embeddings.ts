import { InvokeModelCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { isThrottling } from '../shared/aws-errors';
import { withRetry, type RetryOptions } from '../shared/retry';

/** Output sizes Titan Text Embeddings V2 supports. */
export const TITAN_V2_DIMENSIONS = [256, 512, 1024] as const;

export interface EmbeddingSettings {
  readonly modelId: string;
  readonly dimensions: number;
}

export function embeddingDimensions(value: string): number {
  const dimensions = Number(value);
  if (!(TITAN_V2_DIMENSIONS as readonly number[]).includes(dimensions)) {
    throw new Error(`EMBEDDING_DIMENSIONS must be one of ${TITAN_V2_DIMENSIONS.join(', ')}, got "${value}".`);
  }
  return dimensions;
}

export type Embedder = (text: string) => Promise<number[]>;

/**
 * Titan V2 embeddings, normalized (so cosine distance is meaningful and cheap). Throttling is
 * retried with backoff on top of the SDK's own retries, within the caller's deadline.
 */
export function titanEmbedder(
  client: BedrockRuntimeClient,
  settings: EmbeddingSettings,
  retry: { readonly deadlineMs: () => number; readonly sleep?: RetryOptions['sleep'] },
): Embedder {
  return (text) =>
    withRetry(
      async () => {
        const response = await client.send(
          new InvokeModelCommand({
            modelId: settings.modelId,
            contentType: 'application/json',
            accept: 'application/json',
            body: JSON.stringify({ inputText: text, dimensions: settings.dimensions, normalize: true }),
          }),
        );
        return parseEmbedding(response.body, settings.dimensions);
      },
      { attempts: 5, baseDelayMs: 200, maxDelayMs: 3_000, isRetryable: isThrottling, deadlineMs: retry.deadlineMs(), sleep: retry.sleep },
    );
}

function parseEmbedding(body: Uint8Array | undefined, dimensions: number): number[] {
  const parsed = JSON.parse(new TextDecoder().decode(body)) as { embedding?: unknown };
  const embedding = parsed.embedding;
  if (
    !Array.isArray(embedding) ||
    embedding.length !== dimensions ||
    !embedding.every((x) => typeof x === 'number' && Number.isFinite(x))
  ) {
    throw new Error(`Embedding model returned no ${dimensions}-dimension embedding.`);
  }
  return embedding as number[];
}
