'use strict';
// A minimal MongoDB client over the wire protocol (OP_MSG), enough for this app's queries.
// The real backend uses Mongoose; this app has no npm packages, so it speaks the protocol itself.

const net = require('node:net');
const { encode, decode } = require('./bson');

const OP_MSG = 2013;
const REQUEST_TIMEOUT_MS = 10000;

class MongoError extends Error {
  constructor(reply) {
    super(reply.errmsg || 'MongoDB command failed');
    this.code = reply.code;
    this.reply = reply;
  }
}

function parseUri(uri) {
  const match = /^mongodb:\/\/(?:[^@/]*@)?([^/?,]+)(?:\/([^?]*))?(?:\?.*)?$/.exec(uri);
  if (!match) {
    throw new Error(`unsupported MongoDB URI (this app takes mongodb://host:port/db only): ${uri}`);
  }
  if (uri.slice('mongodb://'.length).split('/')[0].includes('@')) {
    throw new Error('credentials in MONGODB_URI are not supported by this app');
  }
  const [host, port] = match[1].split(':');
  return { host, port: Number(port || 27017), database: decodeURIComponent(match[2] || 'test') };
}

class Connection {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.nextId = 1;
    this.pending = new Map();
    this.buffered = Buffer.alloc(0);
    this.socket = null;
  }

  open() {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy(new Error('MongoDB connection timed out')));
      socket.once('connect', () => {
        socket.setTimeout(0);
        this.socket = socket;
        resolve();
      });
      socket.on('data', (chunk) => this.receive(chunk));
      socket.on('error', (error) => {
        reject(error);
        this.failAll(error);
      });
      socket.on('close', () => this.failAll(new Error('MongoDB connection closed')));
    });
  }

  failAll(error) {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
    this.socket = null;
  }

  receive(chunk) {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const length = this.buffered.readInt32LE(0);
      if (this.buffered.length < length) return;
      const message = this.buffered.subarray(0, length);
      this.buffered = this.buffered.subarray(length);
      const responseTo = message.readInt32LE(8);
      const waiting = this.pending.get(responseTo);
      if (!waiting) continue;
      this.pending.delete(responseTo);
      clearTimeout(waiting.timer);
      // OP_MSG: header (16) + flagBits (4) + section kind 0 (1) + the reply document.
      waiting.resolve(decode(message, 21));
    }
  }

  send(command) {
    if (!this.socket) return Promise.reject(new Error('MongoDB is not connected'));
    const requestId = this.nextId++;
    const body = encode(command);
    const header = Buffer.alloc(21);
    header.writeInt32LE(21 + body.length, 0);
    header.writeInt32LE(requestId, 4);
    header.writeInt32LE(0, 8);
    header.writeInt32LE(OP_MSG, 12);
    header.writeUInt32LE(0, 16);
    header.writeUInt8(0, 20);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`MongoDB did not answer ${Object.keys(command)[0]} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(requestId, { resolve, reject, timer });
      this.socket.write(Buffer.concat([header, body]));
    });
  }

  close() {
    if (this.socket) this.socket.end();
  }
}

class Collection {
  constructor(db, name) {
    this.db = db;
    this.name = name;
  }

  async find(filter = {}, { sort, limit, skip, projection } = {}) {
    const command = { find: this.name, filter };
    if (sort) command.sort = sort;
    if (projection) command.projection = projection;
    if (skip) command.skip = skip;
    if (limit) command.limit = limit;
    let reply = await this.db.command(command);
    const documents = [...reply.cursor.firstBatch];
    while (reply.cursor.id && BigInt(reply.cursor.id) !== 0n) {
      reply = await this.db.command({ getMore: BigInt(reply.cursor.id), collection: this.name });
      documents.push(...reply.cursor.nextBatch);
    }
    return documents;
  }

  async findOne(filter = {}, options = {}) {
    const [first] = await this.find(filter, { ...options, limit: 1 });
    return first || null;
  }

  async count(filter = {}) {
    const reply = await this.db.command({ count: this.name, query: filter });
    return reply.n;
  }

  async insertOne(document) {
    const reply = await this.db.command({ insert: this.name, documents: [document] });
    throwWriteErrors(reply);
    return document;
  }

  async updateOne(filter, update, { upsert = false } = {}) {
    const reply = await this.db.command({ update: this.name, updates: [{ q: filter, u: update, upsert }] });
    throwWriteErrors(reply);
    return { matched: reply.n, modified: reply.nModified };
  }

  /** The atomic read-modify-write the contract's "exactly one accept wins" rules rest on. */
  async findOneAndUpdate(filter, update, { upsert = false, returnNew = true, sort } = {}) {
    const command = { findAndModify: this.name, query: filter, update, new: returnNew, upsert };
    if (sort) command.sort = sort;
    const reply = await this.db.command(command);
    return reply.value || null;
  }

  async createIndex(keys, options = {}) {
    const name = Object.entries(keys)
      .map(([key, direction]) => `${key}_${direction}`)
      .join('_');
    await this.db.command({ createIndexes: this.name, indexes: [{ key: keys, name, ...options }] });
  }
}

function throwWriteErrors(reply) {
  if (reply.writeErrors && reply.writeErrors.length) {
    const [first] = reply.writeErrors;
    throw new MongoError({ errmsg: first.errmsg, code: first.code });
  }
}

class Database {
  constructor(uri) {
    const { host, port, database } = parseUri(uri);
    this.name = database;
    this.connection = new Connection(host, port);
  }

  async connect() {
    await this.connection.open();
    await this.ping();
  }

  async command(command) {
    const reply = await this.connection.send({ ...command, $db: this.name });
    if (reply.ok !== 1) throw new MongoError(reply);
    return reply;
  }

  async ping() {
    await this.command({ ping: 1 });
    return true;
  }

  collection(name) {
    return new Collection(this, name);
  }

  close() {
    this.connection.close();
  }
}

module.exports = { Database, MongoError, parseUri };
