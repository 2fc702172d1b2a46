'use strict';
// Customers and admins (API.md 2.2).

const bcrypt = require('../lib/bcrypt');
const jwt = require('../lib/jwt');
const guards = require('../lib/guards');
const { ObjectId } = require('../lib/bson');
const { HttpError, ok } = require('../lib/http');

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PASSWORD = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[@$!%*?&]).{8,}$/;

function publicUser(user) {
  return {
    id: user._id,
    name: user.name,
    email: user.email,
    phone: user.phone,
    roles: user.roles,
    isEmailVerified: user.isEmailVerified,
    isActive: user.isActive,
    lastLogin: user.lastLogin,
    createdAt: user.createdAt,
  };
}

function tokens(config, user) {
  if (!config.jwtRefreshSecret) throw new HttpError(500, 'JWT_REFRESH_SECRET is not configured');
  return {
    token: jwt.sign({ userId: user._id.toHexString() }, config.jwtSecret, config.jwtExpire),
    refreshToken: jwt.sign({ userId: user._id.toHexString(), type: 'refresh' }, config.jwtRefreshSecret, config.jwtRefreshExpire),
  };
}

const text = (value) => (typeof value === 'string' ? value.trim() : '');

async function registerCustomer(call) {
  const { name, email, password, phone } = call.body;
  const errors = [];
  if (!text(name) || text(name).length > 50) errors.push('name must be 1-50 characters');
  if (typeof email !== 'string' || !EMAIL.test(email)) errors.push('a valid email is required');
  if (typeof password !== 'string' || !PASSWORD.test(password)) errors.push('password does not meet the policy');
  if (phone !== undefined && typeof phone !== 'string') errors.push('phone must be a string');
  if (errors.length) throw new HttpError(400, 'Validation failed', { errors: errors.map((msg) => ({ msg })) });
  const users = call.context.db.collection('users');
  const normalised = email.toLowerCase();
  if (await users.findOne({ email: normalised })) throw new HttpError(400, 'User already exists with this email');
  const now = new Date();
  const user = {
    _id: new ObjectId(),
    name: text(name),
    email: normalised,
    password: bcrypt.hash(password),
    phone,
    roles: ['customer'],
    isActive: true,
    isEmailVerified: false,
    authProvider: 'email',
    createdAt: now,
    updatedAt: now,
  };
  try {
    await users.insertOne(user);
  } catch (error) {
    if (error.code === 11000) throw new HttpError(400, 'User already exists with this email');
    throw error;
  }
  return ok({ success: true, message: 'User registered successfully', data: { user: publicUser(user), ...tokens(call.context.config, user) } }, 201);
}

async function signIn(call, { adminOnly }) {
  const { email, password } = call.body;
  if (typeof email !== 'string' || typeof password !== 'string' || !email || !password) {
    throw new HttpError(400, 'Email and password are required');
  }
  const users = call.context.db.collection('users');
  const user = await users.findOne({ email: email.toLowerCase() });
  if (!user || user.isActive === false || !bcrypt.compare(password, user.password)) {
    throw new HttpError(401, 'Invalid credentials');
  }
  if (adminOnly && !(user.roles || []).includes('admin')) throw new HttpError(403, 'Admin access required');
  const now = new Date();
  await users.updateOne({ _id: user._id }, { $set: { lastLogin: now, updatedAt: now } });
  user.lastLogin = now;
  return ok({ success: true, data: { user: publicUser(user), ...tokens(call.context.config, user) } });
}

function register(router) {
  router.add('POST', '/api/auth/register', registerCustomer);
  router.add('POST', '/api/auth/login', (call) => signIn(call, { adminOnly: false }));
  router.add('POST', '/api/auth/admin-login', (call) => signIn(call, { adminOnly: true }));
  router.add('GET', '/api/auth/me', guards.user, async (call) => ok({ success: true, data: { user: publicUser(call.user) } }));
}

module.exports = { register };
