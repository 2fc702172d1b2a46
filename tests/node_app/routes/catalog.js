'use strict';
// The catalog (API.md 3): reads only; coffees are seeded into MongoDB by the harness.

const { HttpError, objectId, ok } = require('../lib/http');

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function localised(coffee, lang) {
  const language = lang === 'ar' ? 'ar' : 'en';
  return { ...coffee, localizedName: (coffee.name && coffee.name[language]) || (coffee.name && coffee.name.en) };
}

async function list(call) {
  const page = Math.max(1, Number.parseInt(call.query.page || '1', 10) || 1);
  const limit = Math.min(100, Math.max(1, Number.parseInt(call.query.limit || '10', 10) || 10));
  const filter = { isActive: true };
  if (call.query.search) filter['name.en'] = { $regex: escape(call.query.search), $options: 'i' };
  if (call.query.category) filter.categories = call.query.category;
  const price = {};
  if (call.query.minPrice) price.$gte = Number(call.query.minPrice);
  if (call.query.maxPrice) price.$lte = Number(call.query.maxPrice);
  if (Object.keys(price).length) filter.price = price;
  const coffees = call.context.db.collection('coffees');
  const total = await coffees.count(filter);
  const found = await coffees.find(filter, { sort: { createdAt: -1, _id: 1 }, skip: (page - 1) * limit, limit });
  const language = call.query.lang === 'ar' ? 'ar' : 'en';
  return ok({
    success: true,
    data: found.map((coffee) => localised(coffee, language)),
    pagination: { page, limit, total, pages: Math.ceil(total / limit) },
    language,
  });
}

async function read(call) {
  const id = objectId(call.params.id, 'coffee id');
  const coffee = await call.context.db.collection('coffees').findOne({ _id: id });
  if (!coffee) throw new HttpError(404, 'Coffee not found');
  return ok({ success: true, data: localised(coffee, call.query.lang) });
}

function register(router) {
  router.add('GET', '/api/coffees', list);
  router.add('GET', '/api/coffees/:id', read);
}

module.exports = { register };
