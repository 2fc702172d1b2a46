'use strict';
// Staff and drivers: created by an admin, signed in by a PIN that alone identifies them (API.md 2.3, 2.4).
// A PIN is stored as a bcrypt hash plus a keyed fingerprint, so a login finds its holder in one query.

const crypto = require('node:crypto');
const bcrypt = require('../lib/bcrypt');
const jwt = require('../lib/jwt');
const guards = require('../lib/guards');
const { ObjectId } = require('../lib/bson');
const { HttpError, ok } = require('../lib/http');

const PIN = /^\d{4}$/;
const PHONE = /^[\d\s\-+()]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const ROLE_PREFIX = { barista: 'BAR', manager: 'MNG', cashier: 'CSH' };

function fingerprint(config, realm, pin) {
  return crypto.createHmac('sha256', config.jwtSecret).update(`${realm}:${pin}`).digest('hex');
}

async function nextNumber(db, name) {
  const counter = await db.collection('counters').findOneAndUpdate({ _id: name }, { $inc: { seq: 1 } }, { upsert: true });
  return counter.seq;
}

function staffView(staff) {
  return {
    id: staff._id,
    employeeId: staff.employeeId,
    name: staff.name,
    email: staff.email,
    phone: staff.phone,
    role: staff.role,
    status: staff.status,
    hasAdminAccess: staff.hasAdminAccess,
    shiftStartTime: staff.shiftStartTime,
    shiftEndTime: staff.shiftEndTime,
  };
}

function driverView(driver) {
  return {
    _id: driver._id,
    id: driver._id,
    driverId: driver.driverId,
    name: driver.name,
    email: driver.email,
    phone: driver.phone,
    status: driver.status,
    isActive: driver.isActive,
    vehicleInfo: driver.vehicleInfo,
    stats: driver.stats,
  };
}

async function createStaff(call) {
  const { db, config } = call.context;
  const { name, email, phone, role, shiftStartTime, shiftEndTime } = call.body;
  const pin = call.body.pin === undefined ? '1234' : call.body.pin;
  const problems = [];
  if (typeof name !== 'string' || !name.trim()) problems.push('name is required');
  if (typeof email !== 'string' || !EMAIL.test(email)) problems.push('a valid email is required');
  if (typeof phone !== 'string' || !PHONE.test(phone)) problems.push('phone is invalid');
  if (!ROLE_PREFIX[role]) problems.push('role must be barista, manager or cashier');
  if (typeof pin !== 'string' || !PIN.test(pin)) problems.push('PIN must be 4 digits');
  for (const time of [shiftStartTime, shiftEndTime]) {
    if (time !== undefined && (typeof time !== 'string' || !TIME.test(time))) problems.push('shift times must be HH:MM');
  }
  if (problems.length) throw new HttpError(400, problems.join('; '));
  const staffs = db.collection('staffs');
  const normalised = email.toLowerCase();
  if (await staffs.findOne({ email: normalised, isDeleted: { $ne: true } })) throw new HttpError(400, 'A staff member with this email exists');
  const print = fingerprint(config, 'staff-pin', pin);
  if (await staffs.findOne({ pinFingerprint: print, isDeleted: { $ne: true } })) throw new HttpError(400, 'PIN is already in use');
  const prefix = ROLE_PREFIX[role];
  const now = new Date();
  const staff = {
    _id: new ObjectId(),
    employeeId: `${prefix}${String(await nextNumber(db, `staff-${prefix}`)).padStart(3, '0')}`,
    name: name.trim(),
    email: normalised,
    phone,
    role,
    status: 'active',
    pin: bcrypt.hash(pin),
    pinFingerprint: print,
    hasAdminAccess: false,
    isDeleted: false,
    assignedOrders: [],
    shiftStartTime,
    shiftEndTime,
    createdAt: now,
    updatedAt: now,
  };
  await staffs.insertOne(staff);
  return ok({ success: true, staff: staffView(staff), credentials: { employeeId: staff.employeeId, defaultPin: pin } }, 201);
}

async function staffPinLogin(call) {
  const { db, config } = call.context;
  const { pin } = call.body;
  if (typeof pin !== 'string' || !PIN.test(pin)) throw new HttpError(400, 'PIN must be exactly 4 digits');
  const staff = await db.collection('staffs').findOne({ pinFingerprint: fingerprint(config, 'staff-pin', pin), isDeleted: { $ne: true } });
  if (!staff || staff.status === 'inactive' || !bcrypt.compare(pin, staff.pin)) throw new HttpError(401, 'Invalid PIN');
  const token = jwt.sign({ staffId: staff._id.toHexString(), employeeId: staff.employeeId, role: staff.role, type: 'staff' }, config.jwtSecret, '12h');
  const sessionExpiry = new Date(Date.now() + jwt.seconds('12h') * 1000);
  return ok({ success: true, token, staff: staffView(staff), requirePinChange: false, sessionExpiry });
}

async function createDriver(call) {
  const { db, config } = call.context;
  const { name, email, phone, pin, vehicleType, plateNumber, vehicleColor } = call.body;
  const problems = [];
  if (typeof name !== 'string' || !name.trim()) problems.push('name is required');
  if (typeof email !== 'string' || !EMAIL.test(email)) problems.push('a valid email is required');
  if (typeof phone !== 'string' || !PHONE.test(phone)) problems.push('phone is invalid');
  if (typeof pin !== 'string' || !PIN.test(pin)) problems.push('PIN must be 4 digits');
  if (problems.length) throw new HttpError(400, problems.join('; '));
  const drivers = db.collection('drivers');
  const normalised = email.toLowerCase();
  if (await drivers.findOne({ $or: [{ email: normalised }, { phone }] })) throw new HttpError(400, 'A driver with this email or phone exists');
  const print = fingerprint(config, 'driver-pin', pin);
  if (await drivers.findOne({ pinFingerprint: print, isActive: true })) throw new HttpError(400, 'PIN is already in use');
  const now = new Date();
  const driver = {
    _id: new ObjectId(),
    driverId: `DRV${String(await nextNumber(db, 'driver')).padStart(4, '0')}`,
    name: name.trim(),
    email: normalised,
    phone,
    pin: bcrypt.hash(pin),
    pinFingerprint: print,
    status: 'offline',
    isActive: true,
    vehicleInfo: { type: vehicleType, plateNumber, color: vehicleColor },
    stats: { totalDeliveries: 0 },
    createdAt: now,
    updatedAt: now,
  };
  await drivers.insertOne(driver);
  return ok({ success: true, driver: driverView(driver) }, 201);
}

async function driverPinLogin(call) {
  const { db, config } = call.context;
  const { pin } = call.body;
  if (typeof pin !== 'string' || !PIN.test(pin)) throw new HttpError(400, 'PIN must be exactly 4 digits');
  const driver = await db.collection('drivers').findOne({ pinFingerprint: fingerprint(config, 'driver-pin', pin), isActive: true });
  if (!driver || !bcrypt.compare(pin, driver.pin)) throw new HttpError(401, 'Invalid PIN');
  const token = jwt.sign({ driverId: driver._id.toHexString(), role: 'driver', type: 'pin' }, config.jwtSecret, '7d');
  const view = driverView(driver);
  delete view._id;
  return ok({ success: true, token, driver: view });
}

function register(router) {
  router.add('POST', '/api/admin/staff/create', guards.admin, createStaff);
  router.add('POST', '/api/staff/auth/login-pin', staffPinLogin);
  router.add('POST', '/api/admin/drivers', guards.admin, createDriver);
  router.add('POST', '/api/driver/auth/pin-login', driverPinLogin);
  router.add('GET', '/api/driver/auth/validate-token', guards.driver, async (call) => ok({ success: true, driver: driverView(call.driver) }));
}

module.exports = { register };
