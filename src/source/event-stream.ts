/**
 * Decoded events handed out one at a time from batches (file and server
 * sources): an async generator step costs several promise jobs, so sources
 * decode a batch of events per step and EventStream hands them out through a
 * plain async iterator whose `next()` is an already-resolved promise while a
 * batch lasts.
 *
 * A batch must end with any event after which the consumer's schema may
 * change (`changesSchema`): the schema lookup answers as of each event, and
 * the consumer applies each DDL statement to what it answers before the
 * events after it are decoded.
 */
import type { DecodedEvent } from '../protocol/binlog/events.js';

/**
 * A statement after which the caller's schema may change (DDL): the batch
 * ends with it, so the events after it are decoded only once the caller has
 * handled it — the schema lookup must answer as of each event, and the
 * caller applies the DDL to what it answers. BEGIN, which opens every
 * transaction, does not end a batch.
 */
export function changesSchema(e: DecodedEvent): boolean {
  if (e.kind !== 'query') return false;
  const st = e.statement;
  return !(st.length === 5 && st.toUpperCase() === 'BEGIN');
}

const DONE: IteratorReturnResult<void> = Object.freeze({ value: undefined, done: true });
const NO_EVENTS: DecodedEvent[] = [];

/**
 * The events of a batch stream one at a time, as an AsyncGenerator: `next()`
 * returns a resolved promise while the current batch lasts and pulls the next
 * batch otherwise (calls made before a pull settles wait for it, so events stay
 * in order). An aborted signal ends it at the next `next()`; `return()` and
 * `throw()` close the batch stream (its files) as a generator's would.
 */
export class EventStream implements AsyncGenerator<DecodedEvent, void, undefined> {
  private batch: DecodedEvent[] = NO_EVENTS;
  private at = 0;
  private finished = false;
  private pulling: Promise<IteratorResult<DecodedEvent, void>> | undefined;
  /** Runs first when a pull settles (pulls never overlap), before any caller's continuation. */
  private readonly pulled = (): void => {
    this.pulling = undefined;
  };

  constructor(
    private readonly batches: AsyncGenerator<DecodedEvent[], void, undefined>,
    private readonly signal: AbortSignal | undefined,
  ) {}

  next(): Promise<IteratorResult<DecodedEvent, void>> {
    if (this.pulling !== undefined) {
      const after = (): Promise<IteratorResult<DecodedEvent, void>> => this.next();
      return this.pulling.then(after, after);
    }
    if (this.at < this.batch.length) {
      if (this.signal?.aborted) return this.return();
      return Promise.resolve({ value: this.batch[this.at++]!, done: false });
    }
    const p = this.pull();
    this.pulling = p;
    p.then(this.pulled, this.pulled);
    return p;
  }

  private async pull(): Promise<IteratorResult<DecodedEvent, void>> {
    this.batch = NO_EVENTS;
    this.at = 0;
    while (!this.finished) {
      const r = await this.batches.next();
      if (r.done === true) break;
      if (r.value.length > 0) {
        this.batch = r.value;
        this.at = 1;
        return { value: r.value[0]!, done: false };
      }
    }
    this.finished = true;
    return DONE;
  }

  async return(): Promise<IteratorResult<DecodedEvent, void>> {
    this.batch = NO_EVENTS;
    this.at = 0;
    this.finished = true;
    await this.batches.return(undefined);
    return DONE;
  }

  async throw(err: unknown): Promise<IteratorResult<DecodedEvent, void>> {
    this.batch = NO_EVENTS;
    this.at = 0;
    this.finished = true;
    await this.batches.throw(err);
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
