import type { SendOutcome } from '../shared/websocket';

export interface CoalescingOptions {
  /** Flush once this much text is buffered... */
  readonly minChars: number;
  /** ...or once this long has passed since the last flush. */
  readonly maxDelayMs: number;
  readonly now?: () => number;
}

/** A reply becomes a few dozen frames at most, about four per second, instead of one per token. */
export const CHUNK_COALESCING: CoalescingOptions = { minChars: 240, maxDelayMs: 250 };

/**
 * Buffers streamed text into `chat_chunk` frames. The first token is sent at once (the user
 * sees the reply start as soon as the model does); after that text is flushed by size or age.
 * Once a send reports the connection gone, everything else is dropped.
 */
export class ChunkCoalescer {
  private buffer = '';
  private lastFlush = 0;
  private started = false;
  private connectionGone = false;
  private readonly now: () => number;

  constructor(
    private readonly send: (text: string) => Promise<SendOutcome>,
    private readonly options: CoalescingOptions = CHUNK_COALESCING,
  ) {
    this.now = options.now ?? Date.now;
  }

  get gone(): boolean {
    return this.connectionGone;
  }

  async push(text: string): Promise<void> {
    if (this.connectionGone || text === '') return;
    this.buffer += text;
    const due =
      !this.started ||
      this.buffer.length >= this.options.minChars ||
      this.now() - this.lastFlush >= this.options.maxDelayMs;
    if (due) await this.flush();
  }

  /** Flush before a pause (tool calls): the text after it starts at once again, like the first token. */
  async endSegment(): Promise<void> {
    await this.flush();
    this.started = false;
  }

  async flush(): Promise<void> {
    if (this.connectionGone || this.buffer === '') return;
    const text = this.buffer;
    this.buffer = '';
    this.started = true;
    this.lastFlush = this.now();
    if ((await this.send(text)) === 'gone') this.connectionGone = true;
  }
}
