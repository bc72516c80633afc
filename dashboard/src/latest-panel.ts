import { element } from './dom.js';
import { describeLatest, type LatestValues } from './latest-values.js';

/**
 * The "Latest values" panel: one tile per topic with its latest value and where it came from
 * (`live · 12:03:04`, or `retained · 3 min ago` until a live frame replaces it). Each tile carries
 * `data-topic` and `data-replay` (`live`, `retained` or `history`) for tests.
 */
export class LatestPanel {
  readonly #list: HTMLUListElement;
  readonly #values: LatestValues;

  constructor(list: HTMLUListElement, values: LatestValues) {
    this.#list = list;
    this.#values = values;
  }

  /** Redraws every tile (at most MAX_LATEST_TOPICS small ones), with ages as of `nowMs`. */
  render(nowMs: number): void {
    this.#list.replaceChildren(
      ...this.#values.list().map((value) => {
        const tile = element('li', `latest ${value.replay ?? 'live'}`);
        tile.dataset.topic = value.topic;
        tile.dataset.replay = value.replay ?? 'live';
        tile.append(
          element('span', 'latest-topic', value.topic),
          element('span', 'latest-value', value.text),
          element('span', 'latest-status', describeLatest(value, nowMs)),
        );
        return tile;
      }),
    );
  }
}
