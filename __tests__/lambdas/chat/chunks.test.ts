import { ChunkCoalescer } from '../../../lambdas/chat/chunks';
import type { SendOutcome } from '../../../lambdas/shared/websocket';

function recorder(outcome: SendOutcome = 'sent') {
  const sent: string[] = [];
  return { sent, send: async (text: string) => (sent.push(text), outcome) };
}

describe('ChunkCoalescer', () => {
  it('sends the first token at once, then waits for enough text', async () => {
    let clock = 0;
    const { sent, send } = recorder();
    const chunks = new ChunkCoalescer(send, { minChars: 10, maxDelayMs: 1_000, now: () => clock });
    await chunks.push('Hi');
    expect(sent).toEqual(['Hi']);
    for (const token of [' th', 'ere', ' my', ' fr']) {
      clock += 10;
      await chunks.push(token);
    }
    expect(sent).toEqual(['Hi', ' there my fr']);
    await chunks.push('iend');
    await chunks.flush();
    expect(sent.join('')).toBe('Hi there my friend');
  });

  it('flushes buffered text once enough time has passed since the last flush', async () => {
    let clock = 0;
    const { sent, send } = recorder();
    const chunks = new ChunkCoalescer(send, { minChars: 1_000, maxDelayMs: 100, now: () => clock });
    await chunks.push('a');
    clock = 50;
    await chunks.push('b');
    expect(sent).toEqual(['a']);
    clock = 101;
    await chunks.push('c');
    expect(sent).toEqual(['a', 'bc']);
  });

  it('turns a long token stream into a handful of frames', async () => {
    const { sent, send } = recorder();
    const chunks = new ChunkCoalescer(send);
    const tokens = Array.from({ length: 400 }, (_, i) => `tok${i} `);
    for (const token of tokens) await chunks.push(token);
    await chunks.flush();
    expect(sent.join('')).toBe(tokens.join(''));
    expect(sent.length).toBeLessThan(tokens.length / 20);
  });

  it('sends the first token after a pause at once again', async () => {
    const { sent, send } = recorder();
    const chunks = new ChunkCoalescer(send, { minChars: 100, maxDelayMs: 1_000, now: () => 0 });
    await chunks.push('Let me check.');
    await chunks.push(' More');
    await chunks.endSegment();
    await chunks.push('Done');
    expect(sent).toEqual(['Let me check.', ' More', 'Done']);
  });

  it('drops everything once the connection is gone', async () => {
    const { sent, send } = recorder('gone');
    const chunks = new ChunkCoalescer(send);
    await chunks.push('first');
    expect(chunks.gone).toBe(true);
    await chunks.push('second');
    await chunks.flush();
    expect(sent).toEqual(['first']);
  });
});
