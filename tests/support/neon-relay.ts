import net from "node:net";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

/**
 * What Neon's proxy does, minus TLS and auth: each WebSocket carries one
 * PostgreSQL connection, bytes in both directions. Lets the real Neon driver
 * run against the local PostgreSQL in tests.
 */
export async function startNeonRelay(target = { host: "127.0.0.1", port: 5432 }): Promise<{ proxy: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  wss.on("connection", (ws) => {
    const tcp = net.connect(target.port, target.host);
    const pending: Buffer[] = [];
    tcp.on("connect", () => {
      for (const b of pending.splice(0)) tcp.write(b);
    });
    ws.on("message", (data: Buffer) => (tcp.readyState === "open" ? tcp.write(data) : pending.push(data)));
    tcp.on("data", (d) => ws.send(d));
    tcp.on("close", () => ws.close());
    tcp.on("error", () => ws.close());
    ws.on("close", () => tcp.destroy());
  });
  await new Promise<void>((r) => wss.on("listening", () => r()));
  const { port } = wss.address() as AddressInfo;
  return {
    proxy: `127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}
