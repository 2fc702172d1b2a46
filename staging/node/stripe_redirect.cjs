'use strict';
// Preloaded into the backend with NODE_OPTIONS=--require <this file> (API.md 9.5).
//
// The backend builds its Stripe client from the key alone, with no base-URL setting. This module wraps
// the `stripe` factory when it is first required and adds {host, port, protocol} of our Stripe fake
// (STRIPE_API_BASE, e.g. http://127.0.0.1:41234) to its config. Nothing else is touched.

const Module = require('node:module');

const base = process.env.STRIPE_API_BASE;

function redirecting(factory, target) {
  const extra = { host: target.hostname, port: Number(target.port || 80), protocol: target.protocol.replace(':', '') };
  function RedirectedStripe(key, config) {
    const merged = { ...(config || {}), ...extra };
    return new.target ? new factory(key, merged) : factory(key, merged);
  }
  Object.assign(RedirectedStripe, factory);
  RedirectedStripe.prototype = factory.prototype;
  RedirectedStripe.Stripe = RedirectedStripe;
  RedirectedStripe.default = RedirectedStripe;
  RedirectedStripe.almaryaRedirectedTo = base;
  return RedirectedStripe;
}

if (base) {
  const target = new URL(base);
  const originalLoad = Module._load;
  const wrapped = new WeakMap();
  Module._load = function load(request, parent, isMain) {
    const exported = originalLoad.call(this, request, parent, isMain);
    if (request !== 'stripe' || typeof exported !== 'function') return exported;
    if (!wrapped.has(exported)) wrapped.set(exported, redirecting(exported, target));
    return wrapped.get(exported);
  };
}
