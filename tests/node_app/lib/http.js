'use strict';
// The HTTP plumbing: a route table, JSON bodies, the contract's error shapes (API.md 8.1).

const { ObjectId } = require('./bson');

class HttpError extends Error {
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

const MAX_BODY = 1024 * 1024;
const SUSPICIOUS_QUERY = /'|#|--|\.\./;

/** ObjectIds become strings and Dates ISO strings, as the real server's JSON serialisation does. */
function toWire(value) {
  if (value instanceof ObjectId) return value.toHexString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const result = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) result[key] = toWire(item);
    }
    return result;
  }
  return value;
}

function send(response, status, body, headers = {}) {
  const text = JSON.stringify(toWire(body));
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-timestamp': new Date().toISOString(),
    ...headers,
  });
  response.end(text);
}

function globalError(status, code, message) {
  return { success: false, error: { code, message, statusCode: status, timestamp: new Date().toISOString() } };
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk); // past the limit: read on, keep nothing, answer 413
    });
    request.on('end', () => (size > MAX_BODY ? reject(new HttpError(413, 'Request body too large')) : resolve(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

class Router {
  constructor() {
    this.routes = [];
  }

  add(method, pattern, ...handlers) {
    const names = [];
    const regex = new RegExp(
      `^${pattern.replace(/:([A-Za-z]+)/g, (_, name) => {
        names.push(name);
        return '([^/]+)';
      })}/?$`,
    );
    this.routes.push({ method, regex, names, handlers });
  }

  match(method, path) {
    for (const route of this.routes) {
      const found = route.regex.exec(path);
      if (found && route.method === method) {
        const params = {};
        route.names.forEach((name, i) => {
          params[name] = decodeURIComponent(found[i + 1]);
        });
        return { route, params };
      }
    }
    return null;
  }

  /** The request listener: parse, run the route's guard and handler, answer errors in the contract's shapes. */
  handler(context) {
    return async (request, response) => {
      const started = process.hrtime.bigint();
      const url = new URL(request.url, 'http://local');
      const method = request.method;
      const headers = url.pathname.startsWith('/api/') ? { 'cache-control': 'no-store' } : {};
      const finish = (status, body) => {
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        send(response, status, body, { ...headers, 'x-response-time': `${elapsed.toFixed(1)}ms` });
        context.log(`${method} ${url.pathname} ${status} ${elapsed.toFixed(1)}ms`);
      };
      try {
        const matched = this.match(method, url.pathname);
        if (!matched) {
          finish(404, globalError(404, 'NOT_FOUND_ERROR', `Route ${method} ${url.pathname} not found`));
          return;
        }
        const query = Object.fromEntries(url.searchParams);
        if (Object.values(query).some((value) => SUSPICIOUS_QUERY.test(value))) {
          throw new HttpError(400, 'Invalid input detected');
        }
        const raw = await readBody(request);
        let body = {};
        if (raw.length && String(request.headers['content-type'] || '').includes('json')) {
          try {
            body = JSON.parse(raw.toString('utf8'));
          } catch {
            finish(400, globalError(400, 'INVALID_JSON', 'Malformed JSON in request body'));
            return;
          }
          if (body === null || typeof body !== 'object' || Array.isArray(body)) {
            throw new HttpError(400, 'Request body must be a JSON object');
          }
        }
        const call = { request, params: matched.params, query, body, raw, headers: request.headers, context };
        let result;
        for (const step of matched.route.handlers) {
          result = await step(call);
        }
        finish(result.status || 200, result.body);
      } catch (error) {
        if (error instanceof HttpError) {
          finish(error.status, { success: false, message: error.message, ...error.extra });
        } else {
          context.log(`${method} ${url.pathname} failed: ${error && error.stack ? error.stack : error}`);
          finish(500, globalError(500, 'INTERNAL_ERROR', 'Internal server error'));
        }
      }
    };
  }
}

/** A path or body id as an ObjectId; malformed ids are a 400, never a 500 (API.md 8.4). */
function objectId(value, what = 'id') {
  if (!ObjectId.isValid(value)) throw new HttpError(400, `Invalid ${what}`);
  return new ObjectId(value);
}

const ok = (body, status = 200) => ({ status, body });

module.exports = { HttpError, Router, objectId, ok, toWire };
