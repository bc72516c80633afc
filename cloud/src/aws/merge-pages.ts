/**
 * Interleaves several async sequences, yielding each item as soon as its source produces it (the lookups of
 * several index keys run in parallel, and the fan-out starts on whichever page arrives first). Each source has
 * at most one read outstanding. When the consumer stops early or a source fails, the other sources are closed.
 */
export async function* mergePages<T>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => {
    const iterator = iterators[index] as AsyncIterator<T>;
    pending.set(
      index,
      iterator.next().then((result) => ({ index, result })),
    );
  };
  for (let index = 0; index < iterators.length; index++) pull(index);
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    // Sources still running (the consumer stopped, or another source failed) are told to finish; a read of
    // theirs that fails afterwards has nobody left to report to.
    for (const read of pending.values()) read.catch(() => undefined);
    await Promise.allSettled([...pending.keys()].map((index) => iterators[index]?.return?.()));
  }
}
