import { createSocket, type Socket } from 'node:dgram';
import { debuglog } from 'node:util';
import type { Emulator } from '../../core/emulator.js';

const log = debuglog('eventprobe:local');

export interface XRayDaemonOptions {
  /** UDP port. Default 2000 (the X-Ray daemon's); 0 picks a free one. */
  readonly port?: number;
  /** Interface. Default `127.0.0.1`. */
  readonly host?: string;
  /** Region whose X-Ray state receives the segments. Default `us-east-1`. */
  readonly region?: string;
}

/** A running X-Ray daemon endpoint. */
export interface XRayDaemon extends AsyncDisposable {
  readonly port: number;
  readonly host: string;
  /** `127.0.0.1:2000`, the form AWS_XRAY_DAEMON_ADDRESS takes. */
  readonly address: string;
  /** Datagrams received so far (with or without a valid header). */
  readonly received: number;
  /** Resolves once every datagram received so far has been stored. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const HEADER = /^\s*\{[^\n]*"format"\s*:\s*"json"[^\n]*\}\s*\n/;

/**
 * Listens for the X-Ray daemon's UDP protocol (`{"format":"json","version":1}\n` + a segment
 * document per datagram), so apps instrumented with an X-Ray SDK can send segments unchanged
 * (AWS_XRAY_DAEMON_ADDRESS=127.0.0.1:2000). Segments go through PutTraceSegments: same
 * validation and visibility delays. Datagrams without the header line are dropped.
 */
export const startXRayDaemon = async (
  emulator: Emulator,
  options: XRayDaemonOptions = {},
): Promise<XRayDaemon> => {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const socket: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const pending = new Set<Promise<unknown>>();
  let received = 0;
  socket.on('message', (msg) => {
    received++;
    const text = msg.toString('utf8');
    const header = HEADER.exec(text);
    if (!header) {
      log('xray daemon: dropped a datagram without the {"format":"json","version":1} header');
      return;
    }
    const body = text.slice(header[0].length);
    const p = emulator
      .invoke('xray', 'PutTraceSegments', { TraceSegmentDocuments: [body] }, { region })
      .then((out) => {
        const rejected = (out as { UnprocessedTraceSegments?: unknown[] }).UnprocessedTraceSegments ?? [];
        if (rejected.length > 0) log('xray daemon: rejected %j', rejected);
      })
      .catch((err: unknown) => log('xray daemon: %s', (err as Error).message))
      .finally(() => pending.delete(p));
    pending.add(p);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 2000, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const { port } = socket.address();
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
    return closed;
  };
  return {
    port,
    host,
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    get received() {
      return received;
    },
    flush: async () => {
      await Promise.all([...pending]);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
};
