import { InvokeModelCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import * as z from 'zod';
import { recordModelUsage } from '../shared/metrics';

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
 * retried by the Bedrock client itself; what outlasts its attempts reaches the caller.
 */
export function titanEmbedder(client: BedrockRuntimeClient, settings: EmbeddingSettings): Embedder {
  return async (text) => {
    const response = await client.send(
      new InvokeModelCommand({
        modelId: settings.modelId,
        contentType: 'application/json',
        accept: 'application/json',
        body: JSON.stringify({ inputText: text, dimensions: settings.dimensions, normalize: true }),
      }),
    );
    return parseEmbedding(response.body, settings.dimensions);
  };
}

function parseEmbedding(body: Uint8Array | undefined, dimensions: number): number[] {
  const parsed = z
    .object({ embedding: z.array(z.number()).length(dimensions), inputTextTokenCount: z.number().optional() })
    .safeParse(JSON.parse(new TextDecoder().decode(body)));
  if (!parsed.success) throw new Error(`Embedding model returned no ${dimensions}-dimension embedding.`);
  recordModelUsage({ inputTokens: parsed.data.inputTextTokenCount });
  return parsed.data.embedding;
}
