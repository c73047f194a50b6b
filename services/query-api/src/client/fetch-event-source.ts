/**
 * A minimal EventSource over fetch, for runtimes without one (Node) and for sending an
 * Authorization header (the browser's EventSource cannot). Implements what tRPC's
 * httpSubscriptionLink uses: named events, lastEventId, readyState, close, and reconnection
 * with Last-Event-ID after a dropped stream. A non-200 answer closes it for good.
 */
export interface FetchEventSourceInit {
  withCredentials?: boolean;
  headers?: Record<string, string>;
  /** Delay before reconnecting after the stream drops, unless the server sent `retry:`. */
  retryMs?: number;
}

export class FetchEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readonly url: string;
  readonly withCredentials: boolean;
  readyState = 0;
  #headers: Record<string, string>;
  #retryMs: number;
  #lastEventId = "";
  #abort = new AbortController();

  constructor(url: string, init: FetchEventSourceInit = {}) {
    super();
    this.url = url;
    this.withCredentials = init.withCredentials ?? false;
    this.#headers = init.headers ?? {};
    this.#retryMs = init.retryMs ?? 1000;
    void this.#connect();
  }

  close(): void {
    this.readyState = this.CLOSED;
    this.#abort.abort();
  }

  async #connect(): Promise<void> {
    while (this.readyState !== this.CLOSED) {
      try {
        const headers: Record<string, string> = { accept: "text/event-stream", ...this.#headers };
        if (this.#lastEventId !== "") headers["last-event-id"] = this.#lastEventId;
        const response = await fetch(this.url, {
          headers,
          signal: this.#abort.signal,
          credentials: this.withCredentials ? "include" : "same-origin",
        });
        if (response.status !== 200 || response.body === null) {
          // The API refuses a subscription with its HTTP status and tRPC's error shape (JSON) before
          // opening a stream; handed to the link as tRPC's own error event, the caller gets a
          // TRPCClientError with the code (FORBIDDEN, UNAUTHORIZED, ...).
          const refusal = await response.json().catch(() => undefined);
          this.readyState = this.CLOSED;
          const shape = (refusal as { error?: unknown } | undefined)?.error;
          // Not followed by an "error" event: the link's stream would fail with that and drop the
          // queued refusal; the refusal ends the subscription by itself.
          if (shape !== undefined) this.dispatchEvent(new MessageEvent("serialized-error", { data: JSON.stringify(shape) }));
          else this.dispatchEvent(new Event("error"));
          return;
        }
        this.readyState = this.OPEN;
        this.dispatchEvent(new Event("open"));
        await this.#read(response.body);
      } catch {
        if (this.readyState === this.CLOSED) return;
      }
      if (this.readyState === this.CLOSED) return;
      this.readyState = this.CONNECTING;
      this.dispatchEvent(new Event("error"));
      await new Promise((resolve) => setTimeout(resolve, this.#retryMs));
    }
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    let data: string[] = [];
    let eventName = "";
    const reader = body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.search(/\r\n|\r|\n/);
      while (newline !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (data.length > 0) {
            this.dispatchEvent(
              new MessageEvent(eventName === "" ? "message" : eventName, { data: data.join("\n"), lastEventId: this.#lastEventId }),
            );
          }
          data = [];
          eventName = "";
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const field = colon === -1 ? line : line.slice(0, colon);
          const fieldValue = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "data") data.push(fieldValue);
          else if (field === "event") eventName = fieldValue;
          else if (field === "id" && !fieldValue.includes("\0")) this.#lastEventId = fieldValue;
          else if (field === "retry" && /^\d+$/.test(fieldValue)) this.#retryMs = Number(fieldValue);
        }
        newline = buffer.search(/\r\n|\r|\n/);
      }
    }
  }
}
