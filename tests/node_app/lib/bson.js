'use strict';
// A small BSON codec: the types this app stores and reads (no npm packages, so no official driver).

const crypto = require('node:crypto');

const PROCESS_UNIQUE = crypto.randomBytes(5);
let counter = crypto.randomInt(0, 0xffffff);

class ObjectId {
  constructor(value) {
    if (value === undefined) {
      const bytes = Buffer.alloc(12);
      bytes.writeUInt32BE(Math.floor(Date.now() / 1000), 0);
      PROCESS_UNIQUE.copy(bytes, 4);
      counter = (counter + 1) % 0x1000000;
      bytes.writeUIntBE(counter, 9, 3);
      this.bytes = bytes;
    } else if (Buffer.isBuffer(value) && value.length === 12) {
      this.bytes = Buffer.from(value);
    } else if (typeof value === 'string' && ObjectId.isValid(value)) {
      this.bytes = Buffer.from(value, 'hex');
    } else {
      throw new TypeError(`not an ObjectId: ${String(value)}`);
    }
  }

  static isValid(value) {
    return typeof value === 'string' && /^[0-9a-fA-F]{24}$/.test(value);
  }

  equals(other) {
    return other instanceof ObjectId && this.bytes.equals(other.bytes);
  }

  toHexString() {
    return this.bytes.toString('hex');
  }

  toString() {
    return this.toHexString();
  }

  toJSON() {
    return this.toHexString();
  }
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function cstring(text) {
  if (text.includes('\u0000')) throw new TypeError('BSON keys cannot contain NUL');
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
}

function element(key, value) {
  const name = cstring(key);
  const typed = (type, payload) => Buffer.concat([Buffer.from([type]), name, payload]);
  if (value === null) return typed(0x0a, Buffer.alloc(0));
  if (value instanceof ObjectId) return typed(0x07, value.bytes);
  if (value instanceof Date) {
    const payload = Buffer.alloc(8);
    payload.writeBigInt64LE(BigInt(value.getTime()));
    return typed(0x09, payload);
  }
  if (Array.isArray(value)) {
    const asDocument = {};
    value.forEach((item, index) => {
      asDocument[String(index)] = item;
    });
    return typed(0x04, encode(asDocument));
  }
  if (Buffer.isBuffer(value)) {
    const header = Buffer.alloc(5);
    header.writeInt32LE(value.length, 0);
    return typed(0x05, Buffer.concat([header, value]));
  }
  switch (typeof value) {
    case 'string': {
      const text = Buffer.from(value, 'utf8');
      const size = Buffer.alloc(4);
      size.writeInt32LE(text.length + 1);
      return typed(0x02, Buffer.concat([size, text, Buffer.from([0])]));
    }
    case 'boolean':
      return typed(0x08, Buffer.from([value ? 1 : 0]));
    case 'number': {
      if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) {
        const payload = Buffer.alloc(4);
        payload.writeInt32LE(value);
        return typed(0x10, payload);
      }
      const payload = Buffer.alloc(8);
      payload.writeDoubleLE(value);
      return typed(0x01, payload);
    }
    case 'bigint': {
      const payload = Buffer.alloc(8);
      payload.writeBigInt64LE(value);
      return typed(0x12, payload);
    }
    case 'object':
      return typed(0x03, encode(value));
    default:
      throw new TypeError(`cannot encode ${typeof value} at ${key}`);
  }
}

function encode(document) {
  const parts = [];
  for (const [key, value] of Object.entries(document)) {
    if (value === undefined) continue; // like the official driver: undefined fields are left out
    parts.push(element(key, value));
  }
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32LE(body.length + 5);
  return Buffer.concat([size, body, Buffer.from([0])]);
}

function readCString(buffer, offset) {
  const end = buffer.indexOf(0, offset);
  return [buffer.toString('utf8', offset, end), end + 1];
}

function decode(buffer, offset = 0, asArray = false) {
  const size = buffer.readInt32LE(offset);
  const end = offset + size - 1;
  const result = asArray ? [] : {};
  let position = offset + 4;
  while (position < end) {
    const type = buffer[position];
    let key;
    [key, position] = readCString(buffer, position + 1);
    let value;
    switch (type) {
      case 0x01:
        value = buffer.readDoubleLE(position);
        position += 8;
        break;
      case 0x02: {
        const length = buffer.readInt32LE(position);
        value = buffer.toString('utf8', position + 4, position + 4 + length - 1);
        position += 4 + length;
        break;
      }
      case 0x03:
      case 0x04: {
        const length = buffer.readInt32LE(position);
        value = decode(buffer, position, type === 0x04);
        position += length;
        break;
      }
      case 0x05: {
        const length = buffer.readInt32LE(position);
        value = buffer.subarray(position + 5, position + 5 + length);
        position += 5 + length;
        break;
      }
      case 0x07:
        value = new ObjectId(buffer.subarray(position, position + 12));
        position += 12;
        break;
      case 0x08:
        value = buffer[position] === 1;
        position += 1;
        break;
      case 0x09:
        value = new Date(Number(buffer.readBigInt64LE(position)));
        position += 8;
        break;
      case 0x0a:
        value = null;
        break;
      case 0x0b: {
        let pattern;
        let flags;
        [pattern, position] = readCString(buffer, position);
        [flags, position] = readCString(buffer, position);
        value = { $regex: pattern, $options: flags };
        break;
      }
      case 0x10:
        value = buffer.readInt32LE(position);
        position += 4;
        break;
      case 0x11:
        value = buffer.readBigUInt64LE(position);
        position += 8;
        break;
      case 0x12: {
        const big = buffer.readBigInt64LE(position);
        // Cursor ids need all 64 bits; counts and numbers fit a JS number.
        value = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
        position += 8;
        break;
      }
      case 0x13:
        value = buffer.subarray(position, position + 16);
        position += 16;
        break;
      case 0x7f:
      case 0xff:
        value = null;
        break;
      default:
        throw new TypeError(`unsupported BSON type 0x${type.toString(16)} at ${key}`);
    }
    if (asArray) result.push(value);
    else result[key] = value;
  }
  return result;
}

module.exports = { ObjectId, encode, decode };
