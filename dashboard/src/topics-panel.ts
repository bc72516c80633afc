import type { TopicBridgeClient } from '@topic-bridge/client';
import { validateTopicFilter } from '@topic-bridge/shared-types';
import { element } from './dom.js';

/** The elements of the topics panel. */
export interface TopicsPanelElements {
  form: HTMLFormElement;
  input: HTMLInputElement;
  list: HTMLUListElement;
  error: HTMLElement;
}

/**
 * Lets the user add and remove topic filters (wildcards allowed). Each change goes to the client, which
 * subscribes at runtime and carries the filter over reconnects; `onChange` receives the new filter list.
 */
export function mountTopicsPanel(
  elements: TopicsPanelElements,
  client: TopicBridgeClient,
  onChange: (filters: readonly string[]) => void,
): void {
  const { form, input, list, error } = elements;
  const show = () => {
    list.replaceChildren(...client.filters.map((filter) => chip(filter)));
    onChange(client.filters);
  };
  const fail = (reason: string) => {
    error.textContent = reason;
  };
  const chip = (filter: string): HTMLLIElement => {
    const item = element('li', 'chip');
    const remove = element('button', 'remove', '×');
    remove.type = 'button';
    remove.setAttribute('aria-label', `Unsubscribe from ${filter}`);
    remove.addEventListener('click', () => {
      client.unsubscribe(filter).then(show, (e: Error) => fail(e.message));
      show();
    });
    item.append(element('span', 'filter', filter), remove);
    return item;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const filter = input.value.trim();
    const checked = validateTopicFilter(filter);
    if (!checked.ok) {
      fail(checked.error.reason);
      return;
    }
    fail('');
    input.value = '';
    client.subscribe(filter).then(show, (e: Error) => fail(e.message));
    show();
  });
  show();
}
