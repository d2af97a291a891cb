import { createHash } from 'node:crypto';
import type { InvokeModelCommand, InvokeModelCommandOutput } from '@aws-sdk/client-bedrock-runtime';

/**
 * A deterministic stand-in for Titan embeddings: a hashed bag of words, normalized. Texts that
 * share words are close in cosine distance, unrelated texts are nearly orthogonal, so search
 * ranking in tests means something.
 */
export function bagOfWordsEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const hash = createHash('sha256').update(word).digest();
    vector[hash.readUInt32BE(0) % dimensions] += hash[4] & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}

/** What the mocked InvokeModel returns for a Titan V2 request body. */
export function titanResponse(input: InvokeModelCommand['input']): InvokeModelCommandOutput {
  const body = JSON.parse(String(input.body)) as { inputText: string; dimensions: number };
  return {
    // Titan counts tokens; a word count stands in for them.
    body: new TextEncoder().encode(
      JSON.stringify({ embedding: bagOfWordsEmbedding(body.inputText, body.dimensions), inputTextTokenCount: body.inputText.split(/\s+/).length }),
    ),
    contentType: 'application/json',
    $metadata: {},
  } as InvokeModelCommandOutput;
}
