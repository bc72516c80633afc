import { describeBridgeBehaviour } from './bridge-behaviour.js';

// The deployed default: subscribers found with bounded Queries of the topic index.
describeBridgeBehaviour('query');
