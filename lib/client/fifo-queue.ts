/**
 * A first-in, first-out queue whose `shift` is O(1) amortized.
 *
 * The producer's queue holds up to its whole buffer (32 MiB: hundreds of thousands of
 * small records) and takes up to 10,000 off the front per call. `Array.prototype.shift`
 * moves every remaining element on a large array, so taking a batch cost O(batch ×
 * queue) and `cat big.txt | sluice produce` slowed down superlinearly with the input.
 * Here the front is an index; the taken slots are dropped in one compaction once they
 * are at least half of the array, so each element is moved at most once per compaction
 * it survives, and all moves together stay below the number of elements pushed.
 */
export class FifoQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private movedCount = 0;

  /** Compact only past this many taken slots: small queues never copy. */
  static readonly COMPACT_MIN = 1024;

  get length(): number {
    return this.items.length - this.head;
  }

  /** Elements copied by compactions so far: at most the number pushed (the linear bound, stated by tests). */
  get moved(): number {
    return this.movedCount;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The first element, left in place. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Removes and returns the first element. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // let it be collected
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= FifoQueue.COMPACT_MIN && this.head * 2 >= this.items.length) {
      this.movedCount += this.items.length - this.head;
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns every element, first first. */
  drain(): T[] {
    const all = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return all;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}
