/** A binary heap: Kahn's algorithm needs "the best ready node" many times, which a sort cannot give. */
export class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly before: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.before = compare;
  }

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.before(items[i] as T, items[parent] as T) >= 0) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < items.length && this.before(items[left] as T, items[best] as T) < 0) best = left;
      if (right < items.length && this.before(items[right] as T, items[best] as T) < 0) best = right;
      if (best === i) return top;
      this.swap(i, best);
      i = best;
    }
  }

  private swap(i: number, j: number): void {
    const items = this.items;
    const t = items[i] as T;
    items[i] = items[j] as T;
    items[j] = t;
  }
}
