import { Server, type IncomingMessage } from "node:http";
import { PEER_HEADER } from "@/app/_server/http/client-address";

const installed = Symbol.for("spark.peerStamp");
type Emit = (this: Server, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Route handlers cannot see the socket, and `next start` only copies the peer into X-Forwarded-For
 * when the client sent none, so a client could choose its own address. Every HTTP server in this
 * process stamps each request with its peer address instead, overwriting any header of that name.
 */
export function stampPeerAddress(): void {
  const proto = Server.prototype as unknown as { emit: Emit; [installed]?: true };
  if (proto[installed]) return;
  const emit = proto.emit;
  proto.emit = function (this: Server, event, ...args) {
    if (event === "request") {
      const request = args[0] as IncomingMessage;
      request.headers[PEER_HEADER] = request.socket.remoteAddress ?? "unknown";
    }
    return emit.call(this, event, ...args);
  };
  proto[installed] = true;
}
