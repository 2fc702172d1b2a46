'use strict';
// A minimal SMTP client: EHLO, AUTH PLAIN when offered, one message. Mail never fails a request.

const net = require('node:net');

const TIMEOUT_MS = 5000;

function send({ host, port, user, pass, from, to, subject, text }) {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host, port });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('SMTP timed out')));
    let buffered = '';
    let waiting = null;
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      // A reply is complete when its last line has a space after the code ("250 OK", not "250-...").
      const lines = buffered.split('\r\n');
      const last = lines.findIndex((line) => /^\d{3} /.test(line));
      if (last === -1 || !waiting) return;
      const reply = lines.slice(0, last + 1);
      buffered = lines.slice(last + 1).join('\r\n');
      const next = waiting;
      waiting = null;
      next(reply);
    });
    socket.on('error', reject);
    const expect = (code) =>
      new Promise((ok, fail) => {
        waiting = (reply) => (reply[reply.length - 1].startsWith(String(code)) ? ok(reply) : fail(new Error(`SMTP: ${reply.join(' | ')}`)));
      });
    const say = (line, code) => {
      const answer = expect(code);
      socket.write(`${line}\r\n`);
      return answer;
    };
    (async () => {
      await expect(220);
      const features = await say('EHLO almarya-node-test-app', 250);
      if (user && features.some((line) => /AUTH.*PLAIN/i.test(line))) {
        await say(`AUTH PLAIN ${Buffer.from(`\u0000${user}\u0000${pass}`).toString('base64')}`, 235);
      }
      await say(`MAIL FROM:<${from}>`, 250);
      await say(`RCPT TO:<${to}>`, 250);
      await say('DATA', 354);
      const body = text.replace(/^\./gm, '..');
      const message = [
        `From: Al Marya Rostery <${from}>`,
        `To: ${to}`,
        `Subject: ${subject}`,
        `Date: ${new Date().toUTCString()}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        body,
        '.',
      ].join('\r\n');
      await say(message, 250);
      await say('QUIT', 221);
      socket.end();
    })().then(resolve, (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

module.exports = { send };
