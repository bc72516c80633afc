import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderedAcks } from '../../src/inputs/mqtt/ordered-acks.js';

describe('OrderedAcks', () => {
  it('sends PUBACKs in arrival order whatever order the agent answers in, skipping failures', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.boolean(), { minLength: 1, maxLength: 30 })
          .chain((sends) =>
            fc.tuple(fc.constant(sends), fc.shuffledSubarray([...sends.keys()], { minLength: sends.length })),
          ),
        ([sends, answerOrder]) => {
          const sent: number[] = [];
          const acks = new OrderedAcks((messageId) => sent.push(messageId));
          const settle = sends.map((_, index) => acks.add(index + 1, 0));
          const answered = new Set<number>();
          for (const index of answerOrder) {
            settle[index]?.(sends[index] as boolean);
            answered.add(index);
            // Everything before the first unanswered message has been dealt with, nothing after it.
            let prefix = 0;
            while (answered.has(prefix)) prefix += 1;
            const expected = sends.slice(0, prefix).flatMap((send, i) => (send ? [i + 1] : []));
            expect(sent).toEqual(expected);
            expect(acks.size).toBe(sends.length - prefix);
          }
        },
      ),
    );
  });
});
