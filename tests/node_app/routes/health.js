'use strict';
// Health, readiness, liveness and the root (API.md 1).

const { ok } = require('../lib/http');

async function connected(context) {
  try {
    return await context.db.ping();
  } catch {
    return false;
  }
}

function register(router) {
  router.add('GET', '/', async (call) => {
    const up = await connected(call.context);
    return ok({ message: 'Al Marya Rostery API', status: 'running', mongodb: up ? 'connected' : 'disconnected', version: call.context.version });
  });
  router.add('GET', '/health', async (call) => {
    const up = await connected(call.context);
    const body = {
      status: up ? 'healthy' : 'unhealthy',
      uptime: process.uptime(),
      memory: process.memoryUsage(),
      database: { status: up ? 'connected' : 'disconnected' },
      metrics: { requests: call.context.requests },
    };
    return ok(body, up ? 200 : 503);
  });
  router.add('GET', '/api/health', async (call) => {
    const up = await connected(call.context);
    return ok({ success: up, data: { status: up ? 'healthy' : 'unhealthy', version: call.context.version } }, up ? 200 : 503);
  });
  router.add('GET', '/ready', async (call) =>
    (await connected(call.context)) ? ok({ status: 'ready' }) : ok({ status: 'not ready' }, 503),
  );
  router.add('GET', '/alive', async () => ok({ status: 'alive', uptime: process.uptime() }));
  router.add('GET', '/api/config/stripe', async (call) =>
    ok({ success: true, data: { publishableKey: call.context.config.stripePublishableKey } }),
  );
}

module.exports = { register };
