'use strict';
// The guards of API.md 2.1: identity and role come from the record the token names.

const jwt = require('./jwt');
const { ObjectId } = require('./bson');
const { HttpError } = require('./http');
const { verifyIdToken } = require('./firebase');

function bearer(call) {
  const header = String(call.headers.authorization || '');
  return header.startsWith('Bearer ') ? header.slice(7).trim() : null;
}

function claimsOf(call) {
  const token = bearer(call);
  if (!token) throw new HttpError(401, 'Not authorized, no token');
  const claims = jwt.verify(token, call.context.config.jwtSecret);
  if (!claims) throw new HttpError(401, 'Not authorized, token failed');
  return claims;
}

const idOf = (value) => (typeof value === 'string' && ObjectId.isValid(value) ? new ObjectId(value) : null);

async function user(call) {
  const claims = claimsOf(call);
  const id = idOf(claims.userId);
  if (!id || claims.staffId || claims.driverId) throw new HttpError(401, 'Invalid token format');
  const found = await call.context.db.collection('users').findOne({ _id: id });
  if (!found || found.isActive === false) throw new HttpError(401, 'User not found or inactive');
  call.user = found;
}

async function admin(call) {
  await user(call);
  if (!(call.user.roles || []).includes('admin')) throw new HttpError(403, 'Admin access required');
}

async function staff(call) {
  const claims = claimsOf(call);
  const id = idOf(claims.staffId);
  if (!id || !(claims.type === 'staff' || claims.role === 'staff')) throw new HttpError(401, 'Invalid staff token');
  const found = await call.context.db.collection('staffs').findOne({ _id: id });
  if (!found || found.isDeleted || found.status === 'inactive') throw new HttpError(401, 'Staff member not found or inactive');
  call.staff = found;
}

async function driver(call) {
  const claims = claimsOf(call);
  const id = idOf(claims.driverId);
  if (!id || claims.type !== 'pin') throw new HttpError(401, 'Invalid driver token');
  const found = await call.context.db.collection('drivers').findOne({ _id: id });
  if (!found || !found.isActive) throw new HttpError(401, 'Driver not found or inactive');
  call.driver = found;
}

async function firebase(call) {
  const token = bearer(call);
  const verified = token ? await verifyIdToken(token, call.context.config.firebase).catch(() => null) : null;
  if (!verified) throw new HttpError(401, 'Invalid Firebase token');
  const users = call.context.db.collection('users');
  const found = (await users.findOne({ firebaseUid: verified.uid })) || (await users.findOne({ email: verified.email }));
  if (!found) throw new HttpError(404, 'User not found');
  call.user = found;
}

module.exports = { user, admin, staff, driver, firebase };
