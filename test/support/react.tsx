// Helpers for SDK hook tests: a `ws` WebSocket that records the sockets a client opens and the
// frames it sends (so a test can cut a connection, stall it, or hold reconnections back), and
// rendering inside a FlowdeckProvider with createFlowdeckClient.

import { createServer } from 'node:net';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactNode } from 'react';
import WebSocket from 'ws';
import { createFlowdeckClient, type FlowdeckClient, type FlowdeckClientOptions } from '../../sdk/src/client.ts';
import { FlowdeckProvider } from '../../sdk/src/sdk.ts';

/** A graphql-transport-ws frame a client sent. */
export interface SentFrame {
  type: string;
  id?: string;
  payload?: { variables?: Record<string, unknown> };
}

/** The sockets of one client, what they sent, and a switch that makes new connections fail. */
export interface SocketRecorder {
  /** Pass as `webSocketImpl`: `ws`, recording. */
  Impl: unknown;
  readonly sockets: WebSocket[];
  readonly sent: SentFrame[];
  /** How many messages received mentioned `text` (checked on arrival; bodies are not kept). */
  received(text: string): number;
  /** While true, new sockets connect to a loopback port where nothing listens, and fail. */
  refuse: boolean;
  /** Sockets still open. */
  open(): WebSocket[];
  /** Keep-alive pings received from the server, over all sockets. */
  pings: number;
}

/** A loopback port nothing listens on (bound once, then released). */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Builds a recorder; `watch` lists the texts whose arrivals are counted. */
export async function socketRecorder(watch: readonly string[] = []): Promise<SocketRecorder> {
  const deadPort = await refusedPort();
  const sockets: WebSocket[] = [];
  const sent: SentFrame[] = [];
  const counts = new Map<string, number>();
  const recorder: SocketRecorder = {
    Impl: WebSocket,
    sockets,
    sent,
    received: (text) => counts.get(text) ?? 0,
    refuse: false,
    open: () => sockets.filter((s) => s.readyState === WebSocket.OPEN),
    pings: 0,
  };
  class RecordingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(recorder.refuse ? `ws://127.0.0.1:${deadPort}/graphql` : address, protocols);
      sockets.push(this);
      const send = this.send.bind(this) as (data: string) => void;
      (this as unknown as { send: (data: string) => void }).send = (data: string) => {
        sent.push(JSON.parse(data) as SentFrame);
        send(data);
      };
      this.on('ping', () => {
        recorder.pings += 1;
      });
      this.on('message', (data: WebSocket.RawData) => {
        const text = (data as Buffer).toString('utf8');
        for (const needle of watch) if (text.includes(needle)) counts.set(needle, (counts.get(needle) ?? 0) + 1);
      });
    }
  }
  recorder.Impl = RecordingWebSocket;
  return recorder;
}

/** Stops reading a socket: the kernel buffers fill and the server's sends back up. */
export function pauseSocket(socket: WebSocket): void {
  (socket as unknown as { _socket: { pause(): void } })._socket.pause();
}

export function resumeSocket(socket: WebSocket): void {
  (socket as unknown as { _socket: { resume(): void } })._socket.resume();
}

/** A client for `url` over graphql-ws through `recorder`, with Node's fetch. */
export function hookClient(url: string, recorder: SocketRecorder, options: Partial<FlowdeckClientOptions> = {}): FlowdeckClient {
  return createFlowdeckClient({ url, subscriptions: 'ws', webSocketImpl: recorder.Impl, fetch: globalThis.fetch, ...options });
}

/** Renders `ui` inside a FlowdeckProvider for `client`. */
export function renderWith(client: FlowdeckClient, ui: ReactNode): RenderResult {
  return render(<FlowdeckProvider value={client}>{ui}</FlowdeckProvider>);
}
