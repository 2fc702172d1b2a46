'use strict';
// bcrypt ($2a$/$2b$) in plain JavaScript: the seeded admin's password is a bcrypt hash (API.md 9.2) and
// Node has no bcrypt built in. Blowfish's initial state is the hexadecimal expansion of pi, computed once.

const crypto = require('node:crypto');

const WORDS = 18 + 4 * 256; // the P-array, then four S-boxes

function piWords(count) {
  // pi = 16 atan(1/5) - 4 atan(1/239) (Machin), in fixed point with 64 guard bits.
  const bits = BigInt(32 * count + 64);
  const one = 1n << bits;
  const atanInverse = (x) => {
    const xx = x * x;
    let term = one / x;
    let sum = term;
    for (let k = 1n; term !== 0n; k += 1n) {
      term /= xx;
      sum += (k % 2n ? -term : term) / (2n * k + 1n);
    }
    return sum;
  };
  const pi = 16n * atanInverse(5n) - 4n * atanInverse(239n);
  const fraction = pi - 3n * one;
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i += 1) {
    words[i] = Number((fraction >> (bits - BigInt(32 * (i + 1)))) & 0xffffffffn);
  }
  return words;
}

let initialState = null;

function freshState() {
  initialState = initialState || piWords(WORDS);
  return { P: initialState.slice(0, 18), S: initialState.slice(18) };
}

function encipher(state, pair) {
  const { P, S } = state;
  const f = (x) => ((((S[x >>> 24] + S[256 + ((x >>> 16) & 0xff)]) >>> 0) ^ S[512 + ((x >>> 8) & 0xff)]) + S[768 + (x & 0xff)]) >>> 0;
  let left = pair[0] ^ P[0];
  let right = pair[1];
  for (let i = 1; i <= 16; i += 2) {
    right ^= f(left >>> 0) ^ P[i];
    left ^= f(right >>> 0) ^ P[i + 1];
  }
  pair[0] = (right ^ P[17]) >>> 0;
  pair[1] = left >>> 0;
}

function streamToWord(data, cursor) {
  let word = 0;
  for (let i = 0; i < 4; i += 1) {
    word = ((word << 8) | data[cursor.at]) >>> 0;
    cursor.at = (cursor.at + 1) % data.length;
  }
  return word;
}

function expand(state, salt, key) {
  const keyCursor = { at: 0 };
  for (let i = 0; i < 18; i += 1) state.P[i] = (state.P[i] ^ streamToWord(key, keyCursor)) >>> 0;
  const saltCursor = { at: 0 };
  const pair = new Uint32Array(2);
  const fill = (target, length) => {
    for (let i = 0; i < length; i += 2) {
      if (salt) {
        pair[0] ^= streamToWord(salt, saltCursor);
        pair[1] ^= streamToWord(salt, saltCursor);
      }
      encipher(state, pair);
      target[i] = pair[0];
      target[i + 1] = pair[1];
    }
  };
  fill(state.P, 18);
  fill(state.S, 1024);
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function translate(text, from, to) {
  return Array.from(text, (char) => to[from.indexOf(char)]).join('');
}

function encode64(bytes) {
  return translate(bytes.toString('base64').replace(/=+$/, ''), BASE64_ALPHABET, BCRYPT_ALPHABET);
}

function decode64(text) {
  return Buffer.from(translate(text, BCRYPT_ALPHABET, BASE64_ALPHABET), 'base64');
}

function rawHash(password, salt, cost) {
  const key = Buffer.concat([Buffer.from(password, 'utf8'), Buffer.from([0])]).subarray(0, 72);
  const state = freshState();
  expand(state, salt, key);
  for (let round = 0; round < 2 ** cost; round += 1) {
    expand(state, null, key);
    expand(state, null, salt);
  }
  const text = Buffer.from('OrpheanBeholderScryDoubt', 'latin1');
  const words = new Uint32Array(6);
  for (let i = 0; i < 6; i += 1) words[i] = text.readUInt32BE(4 * i);
  const pair = new Uint32Array(2);
  for (let n = 0; n < 64; n += 1) {
    for (let i = 0; i < 6; i += 2) {
      pair[0] = words[i];
      pair[1] = words[i + 1];
      encipher(state, pair);
      words[i] = pair[0];
      words[i + 1] = pair[1];
    }
  }
  const out = Buffer.alloc(24);
  words.forEach((word, i) => out.writeUInt32BE(word, 4 * i));
  return encode64(out.subarray(0, 23));
}

const HASH = /^\$2[aby]\$(\d{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

function hashWithSalt(password, setting) {
  const match = /^\$(2[aby])\$(\d{2})\$([./A-Za-z0-9]{22})/.exec(setting);
  if (!match) throw new Error('not a bcrypt salt');
  const cost = Number(match[2]);
  const salt = decode64(match[3]).subarray(0, 16);
  return `$${match[1]}$${match[2]}$${encode64(salt)}${rawHash(password, salt, cost)}`;
}

/** A new hash. The app uses a low cost to keep the suite fast; any cost verifies (API.md 9.2). */
function hash(password, cost = 6) {
  const salt = crypto.randomBytes(16);
  return hashWithSalt(password, `$2b$${String(cost).padStart(2, '0')}$${encode64(salt)}`);
}

function compare(password, stored) {
  if (typeof password !== 'string' || typeof stored !== 'string') return false;
  const match = HASH.exec(stored);
  if (!match || Number(match[1]) > 16) return false;
  const candidate = Buffer.from(hashWithSalt(password, stored));
  const expected = Buffer.from(stored);
  return candidate.length === expected.length && crypto.timingSafeEqual(candidate, expected);
}

module.exports = { hash, compare, hashWithSalt };
