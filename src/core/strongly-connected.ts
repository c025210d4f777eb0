/**
 * Tarjan's strongly connected components over integer-indexed adjacency lists, with an explicit
 * stack: a 10,000-task chain would overflow the call stack of a recursive version.
 *
 * A component is emitted only after every component reachable from it along `next`, so walking
 * the result in order visits "downstream" components first; the critical path relies on that.
 * Members are listed in discovery order.
 */
export function stronglyConnected(next: readonly (readonly number[])[], include: (node: number) => boolean = () => true): number[][] {
  const count = next.length;
  const index = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const edgeCursor = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack: number[] = [];
  const calls: number[] = [];
  const components: number[][] = [];
  let counter = 0;

  const enter = (v: number): void => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = 1;
    calls.push(v);
  };

  for (let root = 0; root < count; root++) {
    if (index[root] !== -1 || !include(root)) continue;
    enter(root);
    while (calls.length > 0) {
      const v = calls[calls.length - 1] as number;
      const edges = next[v] ?? [];
      const cursor = edgeCursor[v] as number;
      if (cursor < edges.length) {
        edgeCursor[v] = cursor + 1;
        const w = edges[cursor] as number;
        if (index[w] === -1) {
          if (include(w)) enter(w);
        } else if (onStack[w] === 1) {
          low[v] = Math.min(low[v] as number, index[w] as number);
        }
        continue;
      }
      calls.pop();
      const caller = calls[calls.length - 1];
      if (caller !== undefined) low[caller] = Math.min(low[caller] as number, low[v] as number);
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        components.push(component.reverse());
      }
    }
  }
  return components;
}
