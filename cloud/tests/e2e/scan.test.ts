import { describeBridgeBehaviour } from './bridge-behaviour.js';

// The original design's lookup, made correct: a paginated Scan of the whole table.
describeBridgeBehaviour('scan');
