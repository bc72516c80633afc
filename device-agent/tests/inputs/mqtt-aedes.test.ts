import { mqttInputSuite } from './mqtt-behaviour.js';
import { startAedes } from './support/brokers.js';

mqttInputSuite('aedes (MQTT 3.1.1, in-process)', startAedes, 4);
