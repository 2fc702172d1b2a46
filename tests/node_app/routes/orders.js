'use strict';
// Customers' orders (API.md 4): creation with server-side money, order numbers, reading and listing.

const guards = require('../lib/guards');
const { ObjectId } = require('../lib/bson');
const { HttpError, objectId, ok } = require('../lib/http');

const SIZES = { '250g': '250gm', '500g': '500gm', '1kg': '1kg' };
const PAYMENT_METHODS = ['cash', 'card', 'apple_pay', 'google_pay', 'bank_transfer'];
const DELIVERY_METHODS = { standard: 'delivery', express: 'delivery', pickup: 'pickup' };
const ADDRESS_FIELDS = ['street', 'city', 'state', 'zipCode', 'country', 'instructions'];

const money = (value) => Math.round(value * 100) / 100;

/** The item price rule of API.md 3: the active variant for the size, else the base price. */
function unitPrice(coffee, size) {
  const variant = (coffee.variants || []).find((v) => v.size === SIZES[size] && v.isActive !== false);
  return variant ? variant.price : coffee.price;
}

function localDay(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}`;
}

async function nextOrderNumber(db, now) {
  const day = localDay(now);
  const counter = await db.collection('counters').findOneAndUpdate({ _id: `order-${day}` }, { $inc: { seq: 1 } }, { upsert: true });
  return `ALM-${day}-${String(counter.seq).padStart(6, '0')}`;
}

function refuse(message) {
  throw new HttpError(400, message);
}

async function validItems(db, items) {
  if (!Array.isArray(items) || items.length === 0) refuse('Order must contain at least one item');
  const coffees = db.collection('coffees');
  const result = [];
  for (const item of items) {
    if (!item || typeof item !== 'object') refuse('Invalid order item');
    const productId = item.productId || item.coffeeId;
    const name = item.productName || item.name;
    const size = item.selectedSize || item.size || '250g';
    if (typeof productId !== 'string' || !ObjectId.isValid(productId)) refuse('Each item needs a valid productId');
    if (typeof name !== 'string' || !name.trim()) refuse('Each item needs a product name');
    if (!Number.isInteger(item.quantity) || item.quantity < 1) refuse('Quantity must be a whole number of at least 1');
    if (!SIZES[size]) refuse(`Invalid size: ${size}`);
    const coffee = await coffees.findOne({ _id: new ObjectId(productId) });
    if (!coffee || coffee.isActive !== true) refuse(`Product not available: ${productId}`);
    const price = unitPrice(coffee, size);
    if (typeof price !== 'number') refuse(`Product has no price for size ${size}`);
    result.push({ _id: new ObjectId(), coffee: coffee._id, name: name.trim(), quantity: item.quantity, price, selectedSize: size, subtotal: money(price * item.quantity) });
  }
  return result;
}

async function create(call) {
  const { db } = call.context;
  const body = call.body && typeof call.body === 'object' ? call.body : {};
  const items = await validItems(db, body.items);
  const address = body.shippingAddress;
  if (!address || typeof address !== 'object' || Array.isArray(address)) refuse('Shipping address is required');
  if (typeof body.totalAmount !== 'number' || !(body.totalAmount > 0)) refuse('Total amount is required');
  const paymentMethod = body.paymentMethod === undefined ? 'cash' : body.paymentMethod;
  if (!PAYMENT_METHODS.includes(paymentMethod)) refuse(`Invalid payment method: ${paymentMethod}`);
  const deliveryMethod = DELIVERY_METHODS[body.deliveryMethod === undefined ? 'standard' : body.deliveryMethod];
  if (!deliveryMethod) refuse(`Invalid delivery method: ${body.deliveryMethod}`);
  const notes = body.specialInstructions;
  if (notes !== undefined && (typeof notes !== 'string' || notes.length > 500)) refuse('Special instructions must be at most 500 characters');
  const deliveryAddress = { country: 'UAE' };
  for (const field of ADDRESS_FIELDS) {
    if (typeof address[field] === 'string' && address[field]) deliveryAddress[field] = address[field];
  }
  const now = new Date();
  const subtotal = money(items.reduce((sum, item) => sum + item.subtotal, 0));
  const order = {
    _id: new ObjectId(),
    orderNumber: await nextOrderNumber(db, now),
    user: call.user._id,
    items,
    subtotal,
    tax: 0,
    shipping: 0,
    discount: 0,
    totalAmount: subtotal,
    currency: 'AED',
    status: 'pending',
    paymentStatus: 'pending',
    paymentMethod,
    deliveryMethod,
    deliveryAddress,
    notes,
    statusTimestamps: { placed: now },
    cancellation: { isCancelled: false, status: 'none' },
    preparationTime: { estimatedMinutes: 15 },
    deliveryTime: { estimatedMinutes: 30 },
    createdAt: now,
    updatedAt: now,
  };
  await db.collection('orders').insertOne(order);
  call.context.mail(call.user.email, `Order confirmation ${order.orderNumber}`, `Thank you for your order ${order.orderNumber}: ${order.totalAmount} AED.`);
  return ok({ success: true, message: 'Order created successfully', order }, 201);
}

const isAdmin = (user) => (user.roles || []).includes('admin');

async function list(call, { all = false } = {}) {
  const page = Math.max(1, Number.parseInt(call.query.page || '1', 10) || 1);
  const limit = Math.min(100, Math.max(1, Number.parseInt(call.query.limit || '10', 10) || 10));
  const filter = all || isAdmin(call.user) ? {} : { user: call.user._id };
  for (const key of ['status', 'paymentStatus', 'deliveryMethod']) {
    if (call.query[key]) filter[key] = call.query[key];
  }
  const orders = call.context.db.collection('orders');
  const total = await orders.count(filter);
  const direction = call.query.sortOrder === 'asc' ? 1 : -1;
  const sortBy = ['createdAt', 'totalAmount', 'orderNumber'].includes(call.query.sortBy) ? call.query.sortBy : 'createdAt';
  const found = await orders.find(filter, { sort: { [sortBy]: direction, _id: direction }, skip: (page - 1) * limit, limit });
  const pages = Math.ceil(total / limit);
  const data = {
    pagination: { currentPage: page, totalPages: pages, totalOrders: total, limit, hasNextPage: page < pages, hasPrevPage: page > 1 },
  };
  if (found.length) data.orders = found; // wire: no `orders` key when there are none (API.md 4.4)
  return ok({ success: true, data });
}

async function read(call) {
  const id = objectId(call.params.id, 'order id');
  const order = await call.context.db.collection('orders').findOne({ _id: id });
  if (!order) throw new HttpError(404, 'Order not found');
  if (!isAdmin(call.user) && !(order.user && order.user.equals(call.user._id))) throw new HttpError(403, 'Not authorized to view this order');
  const owner = order.user ? await call.context.db.collection('users').findOne({ _id: order.user }) : null;
  if (owner) order.user = { _id: owner._id, name: owner.name, email: owner.email, phone: owner.phone };
  return ok({ success: true, data: order });
}

function register(router) {
  router.add('POST', '/api/orders', guards.user, create);
  router.add('GET', '/api/orders', guards.user, list);
  router.add('GET', '/api/orders/:id', guards.user, read);
  router.add('GET', '/api/admin/orders', guards.admin, (call) => list(call, { all: true }));
  router.add('GET', '/api/admin/orders/:id', guards.admin, read);
}

module.exports = { register, money };
