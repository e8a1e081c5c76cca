export interface ServerSentEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Opens an SSE stream with fetch and collects its events as they arrive, so a test can wait
 * for one and look at the order they came in.
 */
export async function openEventStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: ServerSentEvent[] = [];
  const done = (async () => {
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const event: ServerSentEvent = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') event.data += value;
            else if (field === 'id') event.id = value;
            else if (field === 'event') event.event = value;
          }
          if (event.data || event.id) events.push(event);
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    /** Resolves when the stream ends: the server closed it, or `close()` did. */
    ended: done,
    async close() {
      controller.abort();
      await done;
    },
    async problem() {
      return response.json() as Promise<Record<string, unknown>>;
    },
  };
}
