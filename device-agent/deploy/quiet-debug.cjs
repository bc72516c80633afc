'use strict';
/**
 * Stands in for the `debug` package in the agent's bundle (build.mjs): mqtt.js and mqtt-packet call their
 * `debug` loggers ~20 times per message, and `debug`'s logger takes `...args`, so every call built an array even
 * with logging off: 2.7 KB of garbage per reading at 1,000 readings/s, a fifth of all the agent allocated
 * (sampled heap profile). Without DEBUG in the environment at start, every logger is one function that takes
 * no arguments and does nothing; with DEBUG set (DEBUG=mqttjs*,mqtt-packet*), the real `debug` as before.
 */
const off = Object.assign(() => {}, {
  enabled: false,
  namespace: '',
  log: () => {},
  destroy: () => true,
  extend: () => off,
});
const real = process.env.DEBUG ? require('debug/src/index.js') : undefined;

module.exports = (namespace) => (real === undefined ? off : real(namespace));
