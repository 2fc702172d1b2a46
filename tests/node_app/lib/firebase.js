'use strict';
// Firebase ID tokens in emulator mode (API.md 9.4): unsigned tokens, checked against the emulator's
// accounts:lookup, as Firebase Admin does when FIREBASE_AUTH_EMULATOR_HOST is set.

const http = require('node:http');
const { decodeUnsigned } = require('./jwt');

function lookup(emulatorHost, projectId, uid) {
  const [hostname, port] = emulatorHost.split(':');
  const body = JSON.stringify({ localId: [uid] });
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        hostname,
        port: Number(port),
        method: 'POST',
        path: `/identitytoolkit.googleapis.com/v1/projects/${projectId}/accounts:lookup`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer owner' },
        timeout: 5000,
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString() || '{}'));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('Firebase emulator timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

/** {uid, email} for a valid emulator token, else null. */
async function verifyIdToken(token, { emulatorHost, projectId }) {
  if (!emulatorHost || !projectId) return null;
  const claims = decodeUnsigned(token);
  const now = Date.now() / 1000;
  if (!claims || claims.aud !== projectId || claims.iss !== `https://securetoken.google.com/${projectId}`) return null;
  if (typeof claims.exp !== 'number' || claims.exp < now || !claims.sub) return null;
  const found = await lookup(emulatorHost, projectId, claims.sub);
  const account = (found.users || []).find((user) => user.localId === claims.sub || user.email === claims.email);
  if (!account || account.disabled) return null;
  return { uid: claims.sub, email: String(claims.email || account.email || '').toLowerCase() };
}

module.exports = { verifyIdToken };
