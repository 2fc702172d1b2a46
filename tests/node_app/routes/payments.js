'use strict';
// Card payments (API.md 6.1, 6.3): a PaymentIntent through the `stripe` package, and signed webhooks.

const crypto = require('node:crypto');
const guards = require('../lib/guards');
const { HttpError, objectId, ok } = require('../lib/http');

const TOLERANCE_SECONDS = 300;
const HANDLED = ['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled'];

async function createIntent(call) {
  const { db, stripe } = call.context;
  const orderId = objectId(call.body.orderId, 'order id');
  const order = await db.collection('orders').findOne({ _id: orderId });
  if (!order) throw new HttpError(404, 'Order not found');
  const isAdmin = (call.user.roles || []).includes('admin');
  if (!isAdmin && !(order.user && order.user.equals(call.user._id))) throw new HttpError(403, 'Not your order');
  if (order.paymentStatus === 'paid') throw new HttpError(400, 'Order is already paid');
  let intent;
  try {
    intent = await stripe.paymentIntents.create({
      amount: Math.round(order.totalAmount * 100),
      currency: 'aed',
      metadata: { orderId: order._id.toHexString(), orderNumber: order.orderNumber, userId: call.user._id.toHexString(), email: call.user.email },
    });
  } catch (error) {
    call.context.log(`Stripe failed: ${error.message}`);
    throw new HttpError(500, `Payment could not be created: ${error.message}`);
  }
  await db.collection('orders').updateOne({ _id: order._id }, { $set: { stripePaymentIntentId: intent.id, updatedAt: new Date() } });
  return ok({ success: true, data: { clientSecret: intent.client_secret, paymentIntentId: intent.id, amount: intent.amount, currency: intent.currency } });
}

function signatureValid(header, raw, secret) {
  const parts = Object.fromEntries(String(header || '').split(',').map((part) => part.split('=', 2)));
  const stamp = Number(parts.t);
  if (!secret || !parts.v1 || !Number.isFinite(stamp) || Math.abs(Date.now() / 1000 - stamp) > TOLERANCE_SECONDS) return false;
  const expected = crypto.createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${parts.t}.`), raw])).digest('hex');
  return expected.length === parts.v1.length && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(parts.v1));
}

async function webhook(call) {
  const { db, config } = call.context;
  if (!signatureValid(call.headers['stripe-signature'], call.raw, config.stripeWebhookSecret)) {
    throw new HttpError(400, 'Webhook Error: signature verification failed');
  }
  const event = JSON.parse(call.raw.toString('utf8'));
  if (!HANDLED.includes(event.type)) return ok({ received: true, ignored: event.type }); // CANCELLATION.md 6
  try {
    await db.collection('stripeevents').insertOne({ _id: String(event.id), type: event.type, receivedAt: new Date() });
  } catch (error) {
    if (error.code === 11000) return ok({ received: true, duplicate: true });
    throw error;
  }
  const intent = (event.data && event.data.object) || {};
  const orderId = intent.metadata && intent.metadata.orderId;
  if (!orderId || !/^[0-9a-f]{24}$/i.test(orderId)) return ok({ received: true });
  const orders = db.collection('orders');
  const order = await orders.findOne({ _id: objectId(orderId) });
  if (!order) return ok({ received: true });
  const now = new Date();
  if (event.type === 'payment_intent.succeeded') {
    const changes = { paymentStatus: 'paid', transactionId: intent.id, paidAt: now, updatedAt: now };
    if (order.status === 'pending') Object.assign(changes, { status: 'confirmed', 'statusTimestamps.confirmed': now });
    await orders.updateOne({ _id: order._id }, { $set: changes });
    const owner = await db.collection('users').findOne({ _id: order.user });
    if (owner) call.context.mail(owner.email, `Payment received for ${order.orderNumber}`, `We received your payment for order ${order.orderNumber}.`);
  } else if (event.type === 'payment_intent.payment_failed') {
    const reason = (intent.last_payment_error && intent.last_payment_error.message) || 'Payment failed';
    await orders.updateOne({ _id: order._id }, { $set: { paymentStatus: 'failed', paymentFailureReason: reason, updatedAt: now } });
  } else if (event.type === 'payment_intent.canceled') {
    await orders.updateOne({ _id: order._id }, { $set: { paymentStatus: 'pending', updatedAt: now } });
  }
  return ok({ received: true });
}

function register(router) {
  router.add('POST', '/api/payment/create-intent', guards.firebase, createIntent);
  router.add('POST', '/api/payment/webhook', webhook);
}

module.exports = { register };
