'use strict';
// Environment validation, as API.md 1 describes the backend's start-up: any missing or invalid
// variable stops the server with a non-zero exit before it touches MongoDB.

const SMTP_PORTS = new Set(['25', '465', '587', '2525']);

function validate(env) {
  const problems = [];
  const need = (name, check, why) => {
    const value = env[name];
    if (value === undefined || value === '') problems.push(`${name} is required`);
    else if (check && !check(value)) problems.push(`${name} ${why}`);
  };
  need('NODE_ENV', (v) => ['development', 'production', 'test'].includes(v), 'must be development, production or test');
  need('MONGODB_URI', (v) => /^mongodb(\+srv)?:\/\//.test(v), 'must start with mongodb:// or mongodb+srv://');
  need('JWT_SECRET', (v) => v.length >= 32, 'must be at least 32 characters');
  need('STRIPE_SECRET_KEY');
  if (env.SMTP_PORT && !SMTP_PORTS.has(env.SMTP_PORT)) problems.push('SMTP_PORT must be 25, 465, 587 or 2525');
  if (env.SMTP_USER && !env.SMTP_USER.includes('@')) problems.push('SMTP_USER must be an email address');
  if (env.PORT && !/^\d+$/.test(env.PORT)) problems.push('PORT must be a number');
  return problems;
}

function load(env) {
  const problems = validate(env);
  if (problems.length) {
    return { problems };
  }
  const smtpReady = Boolean(env.SMTP_HOST && env.SMTP_PORT && env.SMTP_USER && env.SMTP_PASS);
  return {
    problems,
    nodeEnv: env.NODE_ENV,
    host: env.HOST || '127.0.0.1',
    port: Number(env.PORT || 5001),
    mongoUri: env.MONGODB_URI,
    jwtSecret: env.JWT_SECRET,
    jwtRefreshSecret: env.JWT_REFRESH_SECRET || '',
    jwtExpire: env.JWT_EXPIRE || '7d',
    jwtRefreshExpire: env.JWT_REFRESH_EXPIRE || '30d',
    stripeSecretKey: env.STRIPE_SECRET_KEY,
    stripePublishableKey: env.STRIPE_PUBLISHABLE_KEY || '',
    stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET || '',
    smtp: smtpReady
      ? { host: env.SMTP_HOST, port: Number(env.SMTP_PORT), user: env.SMTP_USER, pass: env.SMTP_PASS }
      : null,
    mailFrom: env.EMAIL_FROM_ADDRESS || env.SMTP_USER || 'orders@almarya.example',
    firebase: {
      emulatorHost: env.FIREBASE_AUTH_EMULATOR_HOST || '',
      projectId: env.FIREBASE_PROJECT_ID || projectOf(env.FIREBASE_SERVICE_ACCOUNT_KEY),
    },
  };
}

function projectOf(serviceAccountKey) {
  try {
    return JSON.parse(serviceAccountKey || '{}').project_id || '';
  } catch {
    return '';
  }
}

module.exports = { load };
