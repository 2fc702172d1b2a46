'use strict';
// The Node test app: a small, dependency-free stand-in for the Al Marya backend, written so the suite's
// local target (npm install, npm start, env wiring, readiness, logs, cleanup) is proven against a real
// Node process. It implements the subset of API.md the e2e suite drives, over MongoDB.

const http = require('node:http');
const Stripe = require('stripe');
const { load } = require('./lib/config');
const { Database } = require('./lib/mongo');
const { Router } = require('./lib/http');
const smtp = require('./lib/smtp');
const { version } = require('./package.json');

const log = (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

async function main() {
  // 1. Validate the environment (API.md 1): exit non-zero on anything missing or invalid.
  const config = load(process.env);
  if (config.problems.length) {
    process.stderr.write(`Environment validation failed:\n  ${config.problems.join('\n  ')}\n`);
    process.exit(1);
  }
  if (!/localhost|127\.0\.0\.1/.test(config.mongoUri)) {
    // The real server would switch to hosted-cluster mode (TLS); this app only speaks plain local MongoDB.
    process.stderr.write('MONGODB_URI must address localhost or 127.0.0.1 for this app\n');
    process.exit(1);
  }

  // 2. Connect to MongoDB and create the indexes.
  const db = new Database(config.mongoUri);
  try {
    await db.connect();
  } catch (error) {
    process.stderr.write(`MongoDB connection failed: ${error.message}\n`);
    process.exit(1);
  }
  await db.collection('users').createIndex({ email: 1 }, { unique: true });
  await db.collection('orders').createIndex({ orderNumber: 1 }, { unique: true });

  const stripe = Stripe(config.stripeSecretKey); // built at start, from the key alone (API.md 9.5)
  const context = {
    config,
    db,
    stripe,
    version,
    requests: 0,
    log,
    mail(to, subject, text) {
      if (!config.smtp) {
        log(`mail to ${to} (SMTP not configured, only logged): ${subject}`);
        return;
      }
      smtp
        .send({ ...config.smtp, from: config.mailFrom, to, subject, text })
        .then(() => log(`mail sent to ${to}: ${subject}`))
        .catch((error) => log(`mail to ${to} failed: ${error.message}`));
    },
  };

  const router = new Router();
  for (const routes of ['health', 'auth', 'catalog', 'orders', 'people', 'work', 'payments']) {
    require(`./routes/${routes}`).register(router);
  }
  const handle = router.handler(context);
  const server = http.createServer((request, response) => {
    context.requests += 1;
    handle(request, response);
  });

  // 3. Listen on PORT.
  server.listen(config.port, config.host, () => log(`Al Marya test app ${version} listening on ${config.host}:${config.port} (${config.nodeEnv})`));
  const stop = (signal) => {
    log(`${signal}: shutting down`);
    server.close(() => {
      db.close();
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`start-up failed: ${error.stack || error}\n`);
  process.exit(1);
});
