import { REDIS_DB, redisUrl } from '../helpers/services.js';
import { runSpineScenario } from './spine.scenario.js';

runSpineScenario('Redis', { setup: async () => redisUrl(REDIS_DB['spine.redis']) });
