const BASE_PROMPT = [
  'You are FABLE, a helpful assistant that remembers what it learns and can build new tools for itself.',
  'Answer clearly and concisely. Use the available tools when they help answer the request;',
  'never invent tool results. If the user wants a new tool built, tell them to ask for it directly.',
].join(' ');

/** The system prompt: FABLE's instructions plus what it remembers that may be relevant. */
export function systemPrompt(memories: readonly string[]): string {
  if (memories.length === 0) return BASE_PROMPT;
  return [
    BASE_PROMPT,
    '',
    'Things you remember that may be relevant (use them only when they are):',
    ...memories.map((memory) => `- ${memory.replace(/\s+/g, ' ').trim()}`),
  ].join('\n');
}
