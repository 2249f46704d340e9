import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createServer as createH2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { debuglog } from 'node:util';
import { type Emulator, endpointOf } from './core/emulator.js';
import { AwsError } from './core/errors.js';
import type { AnyService } from './core/service.js';
import { protocolsOf, type WireReply, type WireRequest } from './protocols/index.js';
import { jsonProtocol } from './protocols/json.js';

const log = debuglog('eventprobe:local');

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

/** The largest request body accepted; a larger one is refused without being read in full. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
const DEFAULT_REGION = 'us-east-1';

/** A reply, plus whether the connection must close after it (a body was left unread). */
interface Reply extends WireReply {
  readonly close?: boolean;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, ...` → region and service. */
export const credentialScope = (
  authorization: string | undefined,
): { region: string; service: string } | undefined => {
  if (!authorization) return undefined;
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization);
  return m ? { region: m[1] as string, service: m[2] as string } : undefined;
};

const tooLarge = (): AwsError =>
  new AwsError(
    'RequestEntityTooLarge',
    `Request body too large: the eventprobe emulator accepts at most ${MAX_BODY_BYTES} bytes.`,
    413,
  );

class BodyTooLarge extends Error {
  constructor(readonly size: number | undefined) {
    super('body too large');
  }
}

/** Reads the body, giving up (without buffering the rest) once it passes `limit`. */
const readBody = async (req: Req, limit = MAX_BODY_BYTES): Promise<Buffer> => {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge(declared);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge(undefined);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
};

const lowerHeaders = (req: Req): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith(':') || v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  // HTTP/2 carries the host as :authority.
  const authority = req.headers[':authority'];
  if (out.host === undefined && typeof authority === 'string') out.host = authority;
  return out;
};

export const toAwsError = (err: unknown): AwsError => {
  if (err instanceof AwsError) return err;
  log('internal error: %O', err);
  return new AwsError(
    'InternalFailure',
    `Internal emulator error: ${(err as Error)?.message ?? String(err)}`,
    500,
  );
};

/** The envelope for requests that reach no service (unsigned, unknown service): AWS JSON 1.1. */
const NO_SERVICE: AnyService = {
  signingName: 'eventprobe',
  jsonVersion: '1.1',
  createState: () => ({}),
  operations: {},
};

const controlJson = (value: unknown, status = 200): Reply => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

/** Handles the control endpoints under `/_eventprobe/`: health, faults, state, reset, save. */
const control = async (
  emulator: Emulator,
  hooks: ServeOptions,
  method: string,
  path: string,
  body: string,
): Promise<Reply> => {
  if (path === '/_eventprobe/health') {
    return controlJson({
      status: 'ok',
      accountId: emulator.accountId,
      services: emulator.services.map((s) => s.signingName),
    });
  }
  if (path === '/_eventprobe/faults') {
    try {
      if (method === 'GET') return controlJson(emulator.faults.get());
      if (method === 'DELETE') {
        emulator.faults.clear();
        return controlJson(emulator.faults.get());
      }
      if (method === 'POST' || method === 'PUT') {
        emulator.faults.set(JSON.parse(body || '{}'));
        return controlJson(emulator.faults.get());
      }
    } catch (err) {
      return controlJson({ error: (err as Error).message }, 400);
    }
  }
  if (path === '/_eventprobe/state' && method === 'GET') return controlJson(emulator.snapshot());
  if (path === '/_eventprobe/reset' && method === 'POST') {
    emulator.reset();
    return controlJson({ reset: true });
  }
  if (path === '/_eventprobe/save' && method === 'POST') {
    if (!hooks.save) return controlJson({ error: 'this emulator has no dataDir to save to' }, 409);
    try {
      hooks.save();
      return controlJson({ saved: true });
    } catch (err) {
      return controlJson({ error: (err as Error).message }, 500);
    }
  }
  return controlJson({ error: `no control endpoint ${method} ${path}` }, 404);
};

const dispatch = async (
  emulator: Emulator,
  options: ServeOptions,
  req: Req,
  signal: AbortSignal,
  requestId: string,
): Promise<Reply> => {
  // Not `new URL()`: a path such as `//x` would read as a host.
  const target = req.url ?? '/';
  const mark = target.indexOf('?');
  const url = {
    pathname: mark === -1 ? target : target.slice(0, mark),
    searchParams: new URLSearchParams(mark === -1 ? '' : target.slice(mark + 1)),
  };
  const method = (req.method ?? 'GET').toUpperCase();
  if (url.pathname.startsWith('/_eventprobe/')) {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLarge)
        return { ...controlJson({ error: 'body too large' }, 413), close: true };
      throw err;
    }
    return control(emulator, options, method, url.pathname, body.toString('utf8'));
  }

  const headers = lowerHeaders(req);
  const wire: WireRequest = { method, path: url.pathname, query: url.searchParams, headers };
  // Signed in the Authorization header, or presigned (`X-Amz-Credential` in the query string).
  const presigned = url.searchParams.get('X-Amz-Credential');
  const scope =
    credentialScope(headers.authorization) ??
    (presigned === null ? undefined : credentialScope(`Credential=${presigned}`));
  const amzTarget = headers['x-amz-target'];
  // The JSON target prefix wins over the signing name: DynamoDB Streams signs as `dynamodb`.
  let service = amzTarget
    ? emulator.serviceByTarget(amzTarget.slice(0, amzTarget.lastIndexOf('.')))
    : undefined;
  if (!service && scope) service = emulator.service(scope.service);
  if (!service) {
    const name = scope?.service ?? '(unsigned request)';
    return jsonProtocol.encodeError(
      NO_SERVICE,
      new AwsError(
        'UnrecognizedClientException',
        `The eventprobe emulator does not serve "${name}". Served: ${emulator.services.map((s) => s.signingName).join(', ')}.`,
      ),
      requestId,
    );
  }
  const spoken = protocolsOf(service);
  const protocol = spoken.find((p) => p.accepts(service, wire));
  if (!protocol) {
    return (spoken[0] ?? jsonProtocol).encodeError(
      service,
      new AwsError(
        'UnknownOperationException',
        `No ${service.signingName} operation for ${method} ${url.pathname}`,
        404,
        'InvalidAction',
      ),
      requestId,
    );
  }
  try {
    let body: Buffer;
    try {
      body = await readBody(req, protocol.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        const error = protocol.bodyTooLarge?.(err.size) ?? tooLarge();
        return { ...protocol.encodeError(service, error, requestId, wire), close: true };
      }
      throw err;
    }
    const decoded = protocol.decode(service, wire, body);
    const endpoint = endpointOf(headers);
    const traceHeader = headers['x-amzn-trace-id'];
    const output = await emulator.invoke(service.signingName, decoded.operation, decoded.input, {
      region: scope?.region ?? DEFAULT_REGION,
      signal,
      requestId,
      protocol: protocol.name,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(traceHeader === undefined ? {} : { traceHeader }),
    });
    return protocol.encodeResult(service, decoded, output, requestId);
  } catch (err) {
    return protocol.encodeError(service, toAwsError(err), requestId, wire);
  }
};

/** A duplex over `socket` that first yields `head` (bytes already read off the socket). */
const prefixed = (socket: Socket, head: Buffer): Duplex => {
  const proxy = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
      socket.destroy(err ?? undefined);
      callback(err);
    },
  });
  proxy.on('error', (err: Error) => log('http/2 connection error: %s', err.message));
  proxy.push(head);
  socket.on('data', (data: Buffer) => {
    if (!proxy.push(data)) socket.pause();
  });
  socket.on('end', () => proxy.push(null));
  socket.on('close', () => proxy.destroy());
  socket.on('error', (err) => proxy.destroy(err));
  return proxy;
};

/** Writes a reply; when a body was left unread, closes the connection (HTTP/1.1) after it. */
const send = (req: Req, res: Res, reply: Reply, requestId: string): void => {
  if (res.writableEnded || res.destroyed) return;
  const buf = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  const headers: Record<string, string> = {
    'content-length': String(buf.length),
    ...reply.headers, // an S3 HEAD reply carries the object's length without its body
    'x-amzn-requestid': requestId,
  };
  const h1 = req.httpVersionMajor === 1;
  if (reply.close && h1) headers.connection = 'close';
  res.writeHead(reply.status, headers);
  // The socket is detached from the request once the response finishes: hold on to it now.
  const socket = h1 ? (req as IncomingMessage).socket : undefined;
  res.end(buf, () => {
    if (!reply.close || !socket) return;
    // A lingering close: FIN after the reply, the rest of the refused upload discarded unread, and
    // the socket destroyed after 2 s at most. Destroying it at once, with the client still sending,
    // resets the connection, and a reset can drop the reply before the client reads it.
    (req as IncomingMessage).resume();
    socket.end();
    setTimeout(() => socket.destroy(), 2_000).unref();
  });
  if (reply.close && !h1) (req as Http2ServerRequest).stream.close();
};

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  /** Saves the state to the data directory (`POST /_eventprobe/save`); absent without one. */
  readonly save?: () => void;
}

export interface ServerHandle {
  readonly endpoint: string;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/**
 * Serves the emulator over HTTP/1.1 and HTTP/2 cleartext (prior knowledge, as the SDK's Kinesis
 * client uses) on one port: the first bytes of each connection decide which.
 */
export const serve = async (emulator: Emulator, options: ServeOptions): Promise<ServerHandle> => {
  const handle = (req: Req, res: Res): void => {
    const aborter = new AbortController();
    const requestId = randomUUID();
    res.on('close', () => aborter.abort(new Error('client went away')));
    dispatch(emulator, options, req, aborter.signal, requestId)
      .catch((err: unknown): Reply => jsonProtocol.encodeError(NO_SERVICE, toAwsError(err), requestId))
      .then((reply) => send(req, res, reply, requestId))
      .catch((err: unknown) => log('could not answer: %O', err));
  };

  const h1 = createHttpServer({ keepAliveTimeout: 65_000 }, handle);
  const h2 = createH2Server({}, handle);
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  // A broken client (truncated frames, a reset mid-request) costs its own session, never the server.
  h2.on('sessionError', (err: Error) => log('http/2 session error: %s', err.message));
  h2.on('session', (session: Http2Session) => {
    session.on('error', (err: Error) => log('http/2 session error: %s', err.message));
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  const server = createNetServer((socket: Socket) => {
    sockets.add(socket);
    // The sniffing server hands sockets on without Nagle off: a request with a body stalled ~5 ms.
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err: Error) => log('socket error: %s', err.message));
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      if (chunk.subarray(0, 3).toString('latin1') === 'PRI') {
        // HTTP/2 reads from the native handle, which would skip the bytes already read here;
        // a JS duplex in front of the socket keeps them.
        h2.emit('connection', prefixed(socket, chunk));
      } else {
        socket.unshift(chunk);
        h1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://${hostForUrl}:${port}`,
    port,
    host: options.host,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        emulator.close();
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
        h1.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
};
