'use strict';
// A stand-in for the `stripe` package with the same shape: `require('stripe')(key, config)`, where config
// may carry {host, port, protocol} (the real client's options). By default it talks to api.stripe.com,
// so only the harness's preload module (API.md 9.5) sends it to the fake.

const http = require('node:http');
const https = require('node:https');

function formEncode(params, prefix = '') {
  const pairs = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const name = prefix ? `${prefix}[${key}]` : key;
    if (typeof value === 'object') pairs.push(formEncode(value, name));
    else pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
  }
  return pairs.filter(Boolean).join('&');
}

class StripeError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `Stripe answered ${status}`);
    this.statusCode = status;
    this.type = body && body.error && body.error.type;
    this.code = body && body.error && body.error.code;
  }
}

function Stripe(key, config = {}) {
  if (!(this instanceof Stripe)) return new Stripe(key, config);
  if (!key) throw new Error('Stripe: an API key is required');
  const protocol = config.protocol || 'https';
  const host = config.host || 'api.stripe.com';
  const port = Number(config.port || (protocol === 'http' ? 80 : 443));
  const timeout = config.timeout || 10000;
  const post = (path, params) =>
    new Promise((resolve, reject) => {
      const body = formEncode(params);
      const request = (protocol === 'http' ? http : https).request(
        {
          host,
          port,
          path,
          method: 'POST',
          timeout,
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => {
            let parsed = null;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString());
            } catch {
              parsed = null;
            }
            if (response.statusCode >= 200 && response.statusCode < 300) resolve(parsed);
            else reject(new StripeError(response.statusCode, parsed));
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`Stripe at ${host}:${port} timed out`)));
      request.on('error', reject);
      request.end(body);
    });
  this.paymentIntents = { create: (params) => post('/v1/payment_intents', params) };
  this.refunds = { create: (params) => post('/v1/refunds', params) };
}

module.exports = Stripe;
module.exports.Stripe = Stripe;
module.exports.default = Stripe;
