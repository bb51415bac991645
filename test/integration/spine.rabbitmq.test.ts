import { createVhost, deleteVhost } from '../helpers/rabbit.js';
import { runSpineScenario } from './spine.scenario.js';

const VHOST = 'celeriac-test-spine';

runSpineScenario('RabbitMQ', { setup: () => createVhost(VHOST), teardown: () => deleteVhost(VHOST) });
