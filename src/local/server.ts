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
import type { Emulator } from './core/emulator.js';
import { AwsError } from './core/errors.js';
import { RawReply, type RestRoute, type ServiceDefinition } from './core/service.js';
import { parseForm } from './protocols/query.js';
import { matchRoute } from './protocols/rest.js';
import { errorXml, responseXml } from './protocols/xml.js';

const log = debuglog('eventprobe:local');

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const DEFAULT_REGION = 'us-east-1';

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, ...` → region and service. */
export const credentialScope = (
  authorization: string | undefined,
): { region: string; service: string } | undefined => {
  if (!authorization) return undefined;
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization);
  return m ? { region: m[1] as string, service: m[2] as string } : undefined;
};

const readBody = async (req: Req): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new AwsError('RequestEntityTooLarge', 'Request body too large', 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
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

const toAwsError = (err: unknown): AwsError => {
  if (err instanceof AwsError) return err;
  log('internal error: %O', err);
  return new AwsError(
    'InternalFailure',
    `Internal emulator error: ${(err as Error)?.message ?? String(err)}`,
    500,
  );
};

const jsonReply = (service: ServiceDefinition<unknown>, result: unknown): Reply => ({
  status: 200,
  headers: { 'content-type': `application/x-amz-json-${service.jsonVersion ?? '1.1'}` },
  body: JSON.stringify(result ?? {}),
});

const jsonError = (service: ServiceDefinition<unknown>, error: AwsError): Reply => {
  const headers: Record<string, string> = {
    'content-type': `application/x-amz-json-${service.jsonVersion ?? '1.1'}`,
    'x-amzn-errortype': error.code,
  };
  // Services that also speak the query protocol (SQS) report the legacy code for the SDK's
  // query-compatibility mode.
  if (service.query) headers['x-amzn-query-error'] = `${error.queryCode};${error.fault}`;
  return {
    status: error.status,
    headers,
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
};

/** Handles the control endpoints under `/_eventprobe/` (health and faults). */
const control = async (emulator: Emulator, method: string, path: string, body: string): Promise<Reply> => {
  const ok = (value: unknown, status = 200): Reply => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
  if (path === '/_eventprobe/health') {
    return ok({
      status: 'ok',
      accountId: emulator.accountId,
      services: emulator.services.map((s) => s.signingName),
    });
  }
  if (path === '/_eventprobe/faults') {
    try {
      if (method === 'GET') return ok(emulator.faults.get());
      if (method === 'DELETE') {
        emulator.faults.clear();
        return ok(emulator.faults.get());
      }
      if (method === 'POST' || method === 'PUT') {
        emulator.faults.set(JSON.parse(body || '{}'));
        return ok(emulator.faults.get());
      }
    } catch (err) {
      return ok({ error: (err as Error).message }, 400);
    }
  }
  return ok({ error: `no control endpoint ${method} ${path}` }, 404);
};

const dispatch = async (
  emulator: Emulator,
  req: Req,
  signal: AbortSignal,
  requestId: string,
): Promise<Reply> => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = (req.method ?? 'GET').toUpperCase();
  const body = await readBody(req);
  if (url.pathname.startsWith('/_eventprobe/')) return control(emulator, method, url.pathname, body);

  const headers = lowerHeaders(req);
  const scope = credentialScope(headers.authorization);
  const target = headers['x-amz-target'];
  let service = scope ? emulator.service(scope.service) : undefined;
  if (!service && target) service = emulator.serviceByTarget(target.slice(0, target.lastIndexOf('.')));
  const region = scope?.region ?? DEFAULT_REGION;
  if (!service) {
    const name = scope?.service ?? '(unsigned request)';
    return {
      status: 400,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'UnrecognizedClientException' },
      body: JSON.stringify({
        __type: 'UnrecognizedClientException',
        message: `The eventprobe emulator does not serve "${name}". Served: ${emulator.services.map((s) => s.signingName).join(', ')}.`,
      }),
    };
  }
  const invoke = (operation: string, input: Record<string, unknown>) =>
    emulator.invoke(service.signingName, operation, input, { region, headers, signal, requestId });

  // AWS JSON 1.0 / 1.1: operation in X-Amz-Target.
  if (target) {
    const operation = target.slice(target.lastIndexOf('.') + 1);
    try {
      let input: Record<string, unknown>;
      try {
        input = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      } catch {
        throw new AwsError('SerializationException', 'The request body is not valid JSON.', 400);
      }
      return jsonReply(service, await invoke(operation, input ?? {}));
    } catch (err) {
      return jsonError(service, toAwsError(err));
    }
  }

  // Query protocol: form-encoded Action=...
  const contentType = headers['content-type'] ?? '';
  if (service.query && (contentType.startsWith('application/x-www-form-urlencoded') || method === 'GET')) {
    const codec = service.query;
    const params = { ...Object.fromEntries(url.searchParams), ...parseForm(body) };
    const operation = params.Action ?? '';
    delete params.Action;
    delete params.Version;
    try {
      const output = await invoke(operation, codec.decode(operation, params));
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: responseXml(operation, codec.xmlns, codec.encode(operation, output), requestId),
      };
    } catch (err) {
      const e = toAwsError(err);
      return {
        status: e.status,
        headers: { 'content-type': 'text/xml' },
        body: errorXml(codec.xmlns, e.fault, e.queryCode, e.message, requestId),
      };
    }
  }

  // REST-JSON: operation by method and path.
  if (service.rest) {
    const match = matchRoute(service.rest, method, url.pathname);
    if (match) {
      try {
        let json: Record<string, unknown> = {};
        try {
          json = match.route.payload || body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
        } catch {
          throw new AwsError('SerializationException', 'The request body is not valid JSON.', 400);
        }
        Object.assign(json, restRawInput(match.route, headers, body));
        // A repeated query parameter (e.g. tagKeys) becomes a list.
        const query: Record<string, string | string[]> = {};
        for (const [k, v] of url.searchParams) {
          const prev = query[k];
          query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        }
        const input = { ...query, ...json, ...match.params };
        const output = await invoke(match.route.operation, input);
        if (output instanceof RawReply)
          return { status: output.status, headers: { ...output.headers }, body: output.body };
        return {
          status: match.route.status ?? 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(output ?? {}),
        };
      } catch (err) {
        const e = toAwsError(err);
        return {
          status: e.status,
          headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.code },
          body: JSON.stringify({ Code: e.code, message: e.message, Message: e.message }),
        };
      }
    }
  }
  return {
    status: 404,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' },
    body: JSON.stringify({
      __type: 'UnknownOperationException',
      message: `No ${service.signingName} operation for ${method} ${url.pathname}`,
    }),
  };
};

/** REST extension: a route's raw body member and header-bound members (e.g. Lambda Invoke). */
const restRawInput = (
  route: RestRoute,
  headers: Record<string, string>,
  body: string,
): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  if (route.payload) out[route.payload] = body;
  for (const [header, member] of Object.entries(route.headers ?? {})) {
    if (headers[header] !== undefined) out[member] = headers[header];
  }
  return out;
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
  proxy.push(head);
  socket.on('data', (data: Buffer) => {
    if (!proxy.push(data)) socket.pause();
  });
  socket.on('end', () => proxy.push(null));
  socket.on('close', () => proxy.destroy());
  socket.on('error', (err) => proxy.destroy(err));
  return proxy;
};

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
export const serve = async (
  emulator: Emulator,
  options: { port: number; host: string },
): Promise<ServerHandle> => {
  const handle = (req: Req, res: Res): void => {
    const aborter = new AbortController();
    const requestId = randomUUID();
    res.on('close', () => aborter.abort(new Error('client went away')));
    dispatch(emulator, req, aborter.signal, requestId)
      .catch((err: unknown): Reply => {
        const e = toAwsError(err);
        return {
          status: e.status,
          headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.code },
          body: JSON.stringify({ __type: e.code, message: e.message }),
        };
      })
      .then((reply) => {
        if (res.writableEnded || res.destroyed) return;
        const buf = Buffer.from(reply.body, 'utf8');
        res.writeHead(reply.status, {
          ...reply.headers,
          'content-length': String(buf.length),
          'x-amzn-requestid': requestId,
        });
        res.end(buf);
      });
  };

  const h1 = createHttpServer({ keepAliveTimeout: 65_000 }, handle);
  const h2 = createH2Server({}, handle);
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  h2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  const server = createNetServer((socket: Socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
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
