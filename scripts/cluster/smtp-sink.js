#!/usr/bin/env node
// A mail sink for the cluster tests, run by the smtp-sink image of
// scripts/cluster/node-images.sh: an SMTP server on SMTP_PORT (1025) that
// accepts every message (any AUTH PLAIN/LOGIN too, never STARTTLS) and an HTTP
// server on HTTP_PORT (8025) that serves what it received:
//   GET /messages    -> [{ from, to: [..], subject, text, receivedAt }]
//   DELETE /messages -> 204, forgets them
//   GET /healthz     -> 200 ok
// Node's net and http only, messages in memory: nothing is written to disk.
'use strict';

const net = require('node:net');
const http = require('node:http');

const SMTP_PORT = Number(process.env.SMTP_PORT ?? 1025);
const HTTP_PORT = Number(process.env.HTTP_PORT ?? 8025);
const HOSTNAME = process.env.SMTP_HOSTNAME ?? 'smtp-sink';
const MAX_MESSAGES = Number(process.env.MAX_MESSAGES ?? 1000);
const MAX_SIZE = 10 * 1024 * 1024;

const messages = [];

/** Decodes a body part by its Content-Transfer-Encoding. */
function decodeTransfer(body, encoding) {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64');
    case 'quoted-printable': {
      const soft = body.replace(/=\r?\n/g, '');
      const bytes = [];
      for (let i = 0; i < soft.length; i++) {
        const hex = soft.slice(i + 1, i + 3);
        if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else {
          bytes.push(...Buffer.from(soft[i], 'latin1'));
        }
      }
      return Buffer.from(bytes);
    }
    default:
      return Buffer.from(body, 'latin1');
  }
}

function decodeCharset(buffer, charset) {
  try {
    return new TextDecoder((charset ?? 'utf-8').toLowerCase()).decode(buffer);
  } catch {
    return buffer.toString('latin1');
  }
}

/** RFC 2047 encoded words (=?utf-8?B?...?= and =?utf-8?Q?...?=) in a header. */
function decodeWords(value) {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=/g, (_, charset, kind, text) => {
      const bytes = kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : decodeTransfer(text.replace(/_/g, ' '), 'quoted-printable');
      return decodeCharset(bytes, charset);
    });
}

/** Splits a raw part (latin1 string) into lower-cased, unfolded headers and its body. */
function splitPart(raw) {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] ??= line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function param(header, name) {
  const match = new RegExp(`;\\s*${name}="?([^";]+)"?`, 'i').exec(header ?? '');
  return match ? match[1] : undefined;
}

/** The text/plain content of a part, looking into multipart bodies. */
function textOf({ headers, body }) {
  const type = headers['content-type'] ?? 'text/plain';
  if (/^multipart\//i.test(type)) {
    const boundary = param(type, 'boundary');
    if (!boundary) return '';
    const parts = body.split(`--${boundary}`).slice(1);
    for (const part of parts) {
      if (part.startsWith('--')) break;
      const text = textOf(splitPart(part.replace(/^\r?\n/, '')));
      if (text !== undefined) return text;
    }
    return undefined;
  }
  if (!/^text\/plain/i.test(type)) return undefined;
  return decodeCharset(decodeTransfer(body, headers['content-transfer-encoding']), param(type, 'charset'));
}

function parseMessage(raw, envelope) {
  const part = splitPart(raw.toString('latin1'));
  return {
    from: envelope.from,
    to: envelope.to,
    subject: decodeWords(decodeCharset(Buffer.from(part.headers.subject ?? '', 'latin1'), 'utf-8')),
    text: (textOf(part) ?? '').replace(/\r\n/g, '\n'),
    receivedAt: new Date().toISOString(),
  };
}

const address = (arg) => (/<([^>]*)>/.exec(arg)?.[1] ?? arg.split(/\s+/)[0] ?? '').trim();

function session(socket) {
  let buffer = Buffer.alloc(0);
  let data = null; // the message's lines while in DATA
  let size = 0;
  let pendingAuth = null; // 'LOGIN-user', 'LOGIN-pass' or 'PLAIN' while AUTH waits for a line
  let envelope = { from: '', to: [] };
  const reply = (line) => socket.write(`${line}\r\n`);

  const onLine = (line) => {
    if (data) {
      if (line === '.') {
        const raw = Buffer.concat(data);
        data = null;
        if (size > MAX_SIZE) return reply('552 5.3.4 message too big');
        messages.push(parseMessage(raw, envelope));
        if (messages.length > MAX_MESSAGES) messages.shift();
        envelope = { from: '', to: [] };
        return reply('250 2.0.0 OK: queued');
      }
      size += line.length + 2;
      if (size <= MAX_SIZE) data.push(Buffer.from(`${line.startsWith('.') ? line.slice(1) : line}\r\n`, 'latin1'));
      return undefined;
    }
    if (pendingAuth) {
      const step = pendingAuth;
      pendingAuth = step === 'LOGIN-user' ? 'LOGIN-pass' : null;
      return reply(pendingAuth ? '334 UGFzc3dvcmQ6' : '235 2.7.0 Authentication successful');
    }
    const [verb = '', ...rest] = line.split(' ');
    const arg = rest.join(' ');
    switch (verb.toUpperCase()) {
      case 'EHLO':
        return reply(`250-${HOSTNAME}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-SIZE ${MAX_SIZE}\r\n250 AUTH PLAIN LOGIN`);
      case 'HELO':
        return reply(`250 ${HOSTNAME}`);
      case 'AUTH': {
        const [mechanism = '', initial] = arg.split(' ');
        if (mechanism.toUpperCase() === 'PLAIN') {
          if (initial) return reply('235 2.7.0 Authentication successful');
          pendingAuth = 'PLAIN';
          return reply('334 ');
        }
        if (mechanism.toUpperCase() === 'LOGIN') {
          pendingAuth = initial ? 'LOGIN-pass' : 'LOGIN-user';
          return reply(initial ? '334 UGFzc3dvcmQ6' : '334 VXNlcm5hbWU6');
        }
        return reply('504 5.5.4 unrecognized authentication type');
      }
      case 'MAIL':
        envelope = { from: address(arg.replace(/^FROM:/i, '')), to: [] };
        return reply('250 2.1.0 OK');
      case 'RCPT':
        envelope.to.push(address(arg.replace(/^TO:/i, '')));
        return reply('250 2.1.5 OK');
      case 'DATA':
        if (envelope.to.length === 0) return reply('503 5.5.1 RCPT first');
        data = [];
        size = 0;
        return reply('354 End data with <CR><LF>.<CR><LF>');
      case 'RSET':
        envelope = { from: '', to: [] };
        return reply('250 2.0.0 OK');
      case 'NOOP':
        return reply('250 2.0.0 OK');
      case 'VRFY':
        return reply('252 2.1.5 cannot verify, will accept');
      case 'QUIT':
        reply('221 2.0.0 Bye');
        return socket.end();
      default:
        return reply('502 5.5.2 command not implemented');
    }
  };

  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.subarray(0, end).toString('latin1').replace(/\r$/, '');
      buffer = buffer.subarray(end + 1);
      onLine(line);
    }
  });
  socket.on('error', () => socket.destroy());
  socket.setTimeout(5 * 60 * 1000, () => socket.destroy());
  reply(`220 ${HOSTNAME} ESMTP smtp-sink`);
}

const smtp = net.createServer(session);
const api = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://sink').pathname;
  if (path === '/messages' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(messages));
  }
  if (path === '/messages' && req.method === 'DELETE') {
    messages.length = 0;
    res.writeHead(204);
    return res.end();
  }
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return res.end('ok\n');
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  return res.end('not found\n');
});

smtp.listen(SMTP_PORT, () => console.log(`smtp-sink: SMTP on ${SMTP_PORT}`));
api.listen(HTTP_PORT, () => console.log(`smtp-sink: HTTP on ${HTTP_PORT} (GET /messages)`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    smtp.close();
    api.close();
    process.exit(0);
  });
}
