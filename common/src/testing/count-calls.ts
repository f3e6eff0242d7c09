/**
 * Wraps an object so every method call is counted by method name (and its arguments kept), to
 * prove batching against a real adapter. The wrapped object behaves exactly as the original.
 */
export function countCalls<T extends object>(
  target: T,
): {
  readonly proxy: T;
  readonly calls: Map<string, unknown[][]>;
  count(method: string): number;
  reset(): void;
} {
  const calls = new Map<string, unknown[][]>();
  const proxy = new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(prop, [...(calls.get(prop) ?? []), args]);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
  return {
    proxy,
    calls,
    count: (method) => calls.get(method)?.length ?? 0,
    reset: () => calls.clear(),
  };
}
