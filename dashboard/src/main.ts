import 'uplot/dist/uPlot.min.css';
import './style.css';
import { connect, type ReceivedMessage, type TopicBridgeClient } from '@topic-bridge/client';
import { topicMatches } from '@topic-bridge/shared-types';
import { ChartBoard } from './chart-board.js';
import {
  AGE_REFRESH_MS,
  CONFIG_PATH,
  HISTORY_INITIAL_FRAMES,
  MAX_CHART_ROWS,
  MAX_CHARTS,
  MAX_FRAMES_SHOWN,
  MAX_GAP_NOTES,
  MAX_LATEST_TOPICS,
  MAX_RECONNECT_DELAY_MS,
  MAX_SERIES,
  RATE_WINDOW_MS,
} from './config.js';
import { byId } from './dom.js';
import { FrameList, type ShownFrame } from './frame-list.js';
import { describeGap, GapNotes } from './gap-notes.js';
import { LatestPanel } from './latest-panel.js';
import { LatestValues } from './latest-values.js';
import { viewMessage } from './message-view.js';
import { RateMeter } from './rate.js';
import { resolveSettings, type ServedConfig, searchWithTopics } from './settings.js';
import { describeState } from './status.js';
import { installTestHook } from './test-hook.js';
import { mountTopicsPanel } from './topics-panel.js';

const RATE_REFRESH_MS = 500;

/** The defaults of the server hosting the page; skipped when `?url=` says where to connect. */
async function loadServedConfig(): Promise<ServedConfig | undefined> {
  if (new URLSearchParams(location.search).has('url')) return undefined;
  try {
    const response = await fetch(CONFIG_PATH, { cache: 'no-store' });
    return response.ok ? ((await response.json()) as ServedConfig) : undefined;
  } catch {
    return undefined;
  }
}

async function start(): Promise<void> {
  const body = document.body;
  const settings = resolveSettings(location.search, await loadServedConfig());
  const stateBadge = byId('state', HTMLElement);
  const bridge = byId('bridge', HTMLElement);
  const topicError = byId('topic-error', HTMLElement);
  bridge.textContent = `${settings.bridgeUrl} (from the ${settings.source})`;
  if (settings.rejectedTopics.length > 0)
    topicError.textContent = `Ignored: ${settings.rejectedTopics.join('; ')}`;

  let client: TopicBridgeClient;
  try {
    client = connect({
      url: settings.bridgeUrl,
      topics: settings.topics,
      WebSocket: globalThis.WebSocket,
      maxReconnectDelayMs: MAX_RECONNECT_DELAY_MS,
      // Retained values of the connect-time filters come by default; history fills the charts on open.
      history: { initial: HISTORY_INITIAL_FRAMES },
      ...(settings.token === undefined ? {} : { token: settings.token }),
    });
  } catch (error) {
    body.dataset.state = 'closed';
    stateBadge.textContent = 'not connected';
    topicError.textContent = `${(error as Error).message}. Open the page with ?url=wss://HOST/STAGE`;
    return;
  }

  const frames = new FrameList(byId('frames', HTMLOListElement), MAX_FRAMES_SHOWN);
  const charts = new ChartBoard(byId('charts', HTMLElement), {
    maxCharts: MAX_CHARTS,
    maxRows: MAX_CHART_ROWS,
    maxSeries: MAX_SERIES,
  });
  installTestHook(charts);
  const latest = new LatestValues(MAX_LATEST_TOPICS);
  const latestPanel = new LatestPanel(byId('latest', HTMLUListElement), latest);
  const gaps = new GapNotes(byId('gaps', HTMLUListElement), MAX_GAP_NOTES);
  /** When the page last lost its connection: where a gap without a time starts. */
  let lostAtMs: number | undefined;
  const rate = new RateMeter(RATE_WINDOW_MS);
  const frameCount = byId('frame-count', HTMLElement);
  const pause = byId('pause', HTMLButtonElement);
  let received = 0;
  let paused = false;
  let renderQueued = false;

  const render = () => {
    renderQueued = false;
    if (paused) return;
    frames.render();
    charts.render();
    latestPanel.render(Date.now());
    frameCount.textContent = String(received);
    // Load-to-first-frame, as the user sees it: set when the first frame is on screen (bench/client-first-frame.ts).
    if (received > 0) body.dataset.firstFrameMs ??= String(Math.round(performance.now()));
  };
  const queueRender = () => {
    if (renderQueued || paused) return;
    renderQueued = true;
    requestAnimationFrame(render);
  };
  const show = (frame: ShownFrame) => {
    frames.add(frame);
    queueRender();
  };

  client.on('message', (message: ReceivedMessage) => {
    received += 1;
    body.dataset.frames = String(received);
    rate.record(performance.now());
    const view = viewMessage(message);
    charts.add(view.time.atMs, view.readings, view.time.approximate);
    latest.offer(view.latest);
    show(view.shown);
  });
  client.on('gap', (gap) => {
    gaps.add(describeGap(gap, lostAtMs, Date.now()));
    body.dataset.gaps = String((Number(body.dataset.gaps) || 0) + 1);
  });
  client.on('invalid-frame', (frame) =>
    show({
      atMs: Date.now(),
      label: 'invalid frame',
      text: `${frame.reason}: ${frame.raw}`,
      kind: 'invalid',
    }),
  );
  client.on('error', (error) =>
    show({ atMs: Date.now(), label: error.code, text: error.message, kind: 'error' }),
  );
  client.on('state', (change) => {
    body.dataset.state = change.state;
    if (change.state === 'reconnecting' && change.previous === 'open') lostAtMs = Date.now();
    stateBadge.textContent = describeState(change);
    if (change.state === 'open') body.dataset.openMs ??= String(Math.round(performance.now()));
  });

  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    body.dataset.paused = String(paused);
    if (!paused) render();
  });
  setInterval(() => {
    if (!paused) latestPanel.render(Date.now());
  }, AGE_REFRESH_MS);
  setInterval(() => {
    byId('rate', HTMLElement).textContent = `${rate.perSecond(performance.now()).toFixed(1)} msg/s`;
  }, RATE_REFRESH_MS);

  mountTopicsPanel(
    {
      form: byId('topic-form', HTMLFormElement),
      input: byId('topic-input', HTMLInputElement),
      list: byId('topic-list', HTMLUListElement),
      error: topicError,
    },
    client,
    (filters) => {
      history.replaceState(null, '', `${location.pathname}${searchWithTopics(location.search, filters)}`);
      // A topic no filter matches any more leaves the latest values (its points stay in the charts).
      latest.retain((topic) => filters.some((filter) => topicMatches(filter, topic)));
      queueRender();
    },
  );
  addEventListener('pagehide', () => client.close());
  // Back from the back-forward cache, the closed client would stay closed: start over instead.
  addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload();
  });
}

void start();
