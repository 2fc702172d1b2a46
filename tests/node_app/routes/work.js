'use strict';
// The staff and driver apps (API.md 5.4, 5.5, 5.7): queues, atomic accepts, status moves.

const guards = require('../lib/guards');
const { HttpError, objectId, ok } = require('../lib/http');

const STAFF_NEW = ['pending', 'confirmed'];
const STAFF_ACTIVE = ['pending', 'confirmed', 'accepted', 'preparing', 'ready', 'on-hold', 'out-for-delivery'];
const STAFF_DONE = ['completed', 'delivered', 'cancelled'];
const TERMINAL = ['delivered', 'completed', 'cancelled', 'rejected'];
const STAFF_TARGETS = ['accepted', 'preparing', 'ready', 'completed', 'rejected', 'on-hold', 'out-for-delivery'];
const LIST_LIMIT = 100;

const same = (a, b) => Boolean(a && b && a.equals(b));

async function loadOrder(call) {
  const order = await call.context.db.collection('orders').findOne({ _id: objectId(call.params.id, 'order id') });
  if (!order) throw new HttpError(404, 'Order not found');
  return order;
}

async function staffView(db, order, me) {
  const owner = order.user ? await db.collection('users').findOne({ _id: order.user }) : null;
  return {
    id: order._id,
    orderNumber: order.orderNumber,
    user: owner ? { name: owner.name, email: owner.email, phone: owner.phone } : undefined,
    items: order.items,
    totalAmount: order.totalAmount,
    status: order.status,
    deliveryMethod: order.deliveryMethod,
    deliveryAddress: order.deliveryAddress,
    notes: order.notes,
    assignedStaff: order.assignedStaff,
    statusTimestamps: order.statusTimestamps,
    preparationTime: order.preparationTime,
    createdAt: order.createdAt,
    isAssignedToMe: same(order.assignedStaff, me),
  };
}

async function staffList(call) {
  const { db } = call.context;
  const me = call.staff._id;
  let filter;
  if (call.query.status === 'pending') filter = { status: { $in: STAFF_NEW }, $or: [{ assignedStaff: null }, { assignedStaff: me }] };
  else if (call.query.status === 'completed') filter = { status: { $in: STAFF_DONE } };
  else if (!call.query.status) filter = { status: { $in: STAFF_ACTIVE } };
  else throw new HttpError(400, `Unknown status filter: ${call.query.status}`);
  const found = await db.collection('orders').find(filter, { sort: { createdAt: -1, _id: -1 }, limit: LIST_LIMIT });
  const orders = await Promise.all(found.map((order) => staffView(db, order, me)));
  return ok({ success: true, count: orders.length, orders });
}

async function staffAccept(call) {
  const { db } = call.context;
  const id = objectId(call.params.id, 'order id');
  const now = new Date();
  const accepted = await db.collection('orders').findOneAndUpdate(
    { _id: id, status: { $in: STAFF_NEW }, assignedStaff: null },
    { $set: { assignedStaff: call.staff._id, status: 'preparing', 'statusTimestamps.acceptedByStaff': now, 'statusTimestamps.preparationStarted': now, updatedAt: now } },
  );
  if (!accepted) {
    const order = await loadOrder(call);
    if (order.assignedStaff) throw new HttpError(409, 'Order is already assigned');
    throw new HttpError(400, `Order cannot be accepted in status '${order.status}'`);
  }
  await db.collection('staffs').updateOne({ _id: call.staff._id }, { $push: { assignedOrders: id } });
  return ok({ success: true, message: 'Order accepted', order: await staffView(db, accepted, call.staff._id) });
}

async function staffReady(call) {
  const { db } = call.context;
  const order = await loadOrder(call);
  if (!same(order.assignedStaff, call.staff._id)) throw new HttpError(403, 'Not your order');
  if (order.status !== 'preparing') throw new HttpError(400, `Only a preparing order can be marked ready (status is '${order.status}')`);
  const now = new Date();
  const started = (order.statusTimestamps && order.statusTimestamps.preparationStarted) || order.createdAt;
  const changes = {
    status: 'ready',
    'statusTimestamps.markedReady': now,
    'statusTimestamps.preparationCompleted': now,
    'preparationTime.actualMinutes': Math.round((now - started) / 600) / 100,
    updatedAt: now,
  };
  if (typeof call.body.staffNotes === 'string') changes.staffNotes = call.body.staffNotes.slice(0, 500);
  const moved = await db.collection('orders').findOneAndUpdate({ _id: order._id, status: 'preparing' }, { $set: changes });
  if (!moved) throw new HttpError(409, 'Order changed meanwhile');
  await db.collection('staffs').updateOne({ _id: call.staff._id }, { $pull: { assignedOrders: order._id } });
  return ok({ success: true, message: 'Order marked ready', order: await staffView(db, moved, call.staff._id) });
}

/** Staff `PUT status` (API.md 5.7): the moves an assignee may make; anything else is 400. */
function allowedMove(order, target) {
  const from = order.status;
  if (target === 'preparing') return ['accepted', 'on-hold'].includes(from);
  if (target === 'on-hold') return ['accepted', 'preparing'].includes(from);
  if (target === 'ready') return from === 'preparing';
  if (target === 'rejected') return ['pending', 'confirmed', 'accepted', 'preparing', 'on-hold'].includes(from);
  if (target === 'completed') return from === 'ready' && order.deliveryMethod === 'pickup';
  if (target === 'out-for-delivery') return from === 'ready' && order.deliveryMethod === 'delivery' && Boolean(order.assignedDriver);
  return false;
}

const STAMP = { preparing: 'preparationStarted', ready: 'markedReady', 'out-for-delivery': 'outForDelivery' };

async function staffSetStatus(call) {
  const { db } = call.context;
  const target = call.body.status;
  if (!STAFF_TARGETS.includes(target)) throw new HttpError(400, `Invalid status: ${target}`);
  const order = await loadOrder(call);
  const unassignedReject = target === 'rejected' && !order.assignedStaff && STAFF_NEW.includes(order.status);
  if (!unassignedReject && !same(order.assignedStaff, call.staff._id)) throw new HttpError(403, 'Not your order');
  if (TERMINAL.includes(order.status)) throw new HttpError(400, `Cannot change the status of a ${order.status} order`);
  if (!allowedMove(order, target)) throw new HttpError(400, `Cannot change status from '${order.status}' to '${target}'`);
  const now = new Date();
  const changes = { status: target, updatedAt: now };
  if (STAMP[target]) changes[`statusTimestamps.${STAMP[target]}`] = now;
  const moved = await db.collection('orders').findOneAndUpdate({ _id: order._id, status: order.status }, { $set: changes });
  if (!moved) throw new HttpError(409, 'Order changed meanwhile');
  return ok({ success: true, message: `Order status updated to ${target}`, order: await staffView(db, moved, call.staff._id) });
}

async function driverOrders(call, filter) {
  const found = await call.context.db.collection('orders').find(filter, { sort: { createdAt: -1, _id: -1 }, limit: LIST_LIMIT });
  return ok({ success: true, count: found.length, orders: found });
}

async function driverSetStatus(call) {
  const { status } = call.body;
  if (!['available', 'offline', 'on_break'].includes(status)) throw new HttpError(400, `Invalid status: ${status}`);
  await call.context.db.collection('drivers').updateOne({ _id: call.driver._id }, { $set: { status, updatedAt: new Date() } });
  return ok({ success: true, message: `Status updated to ${status}`, status });
}

async function driverLocation(call) {
  const { latitude, longitude } = call.body;
  const errors = [];
  if (typeof latitude !== 'number' || latitude < -90 || latitude > 90) errors.push({ field: 'latitude', message: 'latitude must be between -90 and 90', value: latitude });
  if (typeof longitude !== 'number' || longitude < -180 || longitude > 180) errors.push({ field: 'longitude', message: 'longitude must be between -180 and 180', value: longitude });
  if (errors.length) throw new HttpError(400, 'Validation failed', { errors });
  const now = new Date();
  await call.context.db.collection('drivers').updateOne({ _id: call.driver._id }, { $set: { location: { latitude, longitude, updatedAt: now }, updatedAt: now } });
  return ok({ success: true, message: 'Location updated' });
}

async function driverAccept(call) {
  const { db } = call.context;
  const order = await loadOrder(call);
  if (order.status !== 'ready') throw new HttpError(400, 'Order is not available for pickup');
  if (order.deliveryMethod !== 'delivery') throw new HttpError(400, 'Pickup orders have no driver');
  if (order.assignedDriver) throw new HttpError(409, 'Order already has a driver');
  const me = await db.collection('drivers').findOne({ _id: call.driver._id });
  if (me.status !== 'available') throw new HttpError(400, 'Set your status to available first');
  if (await db.collection('orders').findOne({ assignedDriver: me._id, status: 'out-for-delivery' })) throw new HttpError(400, 'Finish your current delivery first');
  const now = new Date();
  const taken = await db.collection('orders').findOneAndUpdate(
    { _id: order._id, status: 'ready', deliveryMethod: 'delivery', assignedDriver: null },
    { $set: { assignedDriver: me._id, 'statusTimestamps.acceptedByDriver': now, updatedAt: now } },
  );
  if (!taken) throw new HttpError(409, 'Another driver took this order');
  return ok({ success: true, message: 'Order accepted for delivery', order: taken });
}

async function driverOwnOrder(call) {
  const order = await loadOrder(call);
  if (!same(order.assignedDriver, call.driver._id)) throw new HttpError(403, 'Not your delivery');
  return order;
}

async function driverStart(call) {
  const { db } = call.context;
  const order = await driverOwnOrder(call);
  if (order.status !== 'ready') throw new HttpError(400, `Cannot start a delivery in status '${order.status}'`);
  const now = new Date();
  const moved = await db.collection('orders').findOneAndUpdate(
    { _id: order._id, status: 'ready' },
    { $set: { status: 'out-for-delivery', 'statusTimestamps.outForDelivery': now, 'statusTimestamps.pickedUpByDriver': now, updatedAt: now } },
  );
  if (!moved) throw new HttpError(409, 'Order changed meanwhile');
  await db.collection('drivers').updateOne({ _id: call.driver._id }, { $set: { status: 'on_delivery', updatedAt: now } });
  return ok({ success: true, message: 'Delivery started', order: moved });
}

async function driverComplete(call) {
  const { db } = call.context;
  const order = await driverOwnOrder(call);
  if (order.status !== 'out-for-delivery') throw new HttpError(400, `Cannot complete a delivery in status '${order.status}'`);
  const now = new Date();
  const changes = { status: 'delivered', 'statusTimestamps.delivered': now, actualDeliveryTime: now, updatedAt: now };
  if (typeof call.body.notes === 'string' && call.body.notes) {
    changes.notes = order.notes ? `${order.notes}\n${call.body.notes}` : call.body.notes;
  }
  if (order.paymentMethod === 'cash') {
    changes.paymentStatus = 'paid';
    changes.paidAt = now;
  }
  const moved = await db.collection('orders').findOneAndUpdate({ _id: order._id, status: 'out-for-delivery' }, { $set: changes });
  if (!moved) throw new HttpError(409, 'Order changed meanwhile');
  await db.collection('drivers').updateOne({ _id: call.driver._id }, { $set: { status: 'available', updatedAt: now }, $inc: { 'stats.totalDeliveries': 1 } });
  return ok({ success: true, message: 'Delivery completed', order: moved });
}

function register(router) {
  router.add('GET', '/api/staff/orders', guards.staff, staffList);
  router.add('GET', '/api/staff/orders/:id', guards.staff, async (call) => ok({ success: true, order: await staffView(call.context.db, await loadOrder(call), call.staff._id) }));
  router.add('POST', '/api/staff/orders/:id/accept', guards.staff, staffAccept);
  router.add('POST', '/api/staff/orders/:id/ready', guards.staff, staffReady);
  router.add('PUT', '/api/staff/orders/:id/status', guards.staff, staffSetStatus);

  router.add('POST', '/api/driver/status', guards.driver, driverSetStatus);
  router.add('POST', '/api/driver/location', guards.driver, driverLocation);
  router.add('GET', '/api/driver/orders/available', guards.driver, (call) => driverOrders(call, { status: 'ready', deliveryMethod: 'delivery', assignedDriver: null }));
  router.add('GET', '/api/driver/orders/my-deliveries', guards.driver, (call) => driverOrders(call, { assignedDriver: call.driver._id, status: { $in: ['ready', 'out-for-delivery'] } }));
  router.add('GET', '/api/driver/orders/completed', guards.driver, (call) => driverOrders(call, { assignedDriver: call.driver._id, status: 'delivered' }));
  router.add('POST', '/api/driver/orders/:id/accept', guards.driver, driverAccept);
  router.add('POST', '/api/driver/orders/:id/start', guards.driver, driverStart);
  router.add('POST', '/api/driver/orders/:id/complete', guards.driver, driverComplete);
}

module.exports = { register };
