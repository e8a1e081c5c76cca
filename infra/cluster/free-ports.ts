import { createServer } from 'node:net';

/** Whether a TCP port on 127.0.0.1 can be listened on now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * `count` ports from [from, to) that are free together with the companion ports each server
 * also opens (port + offset: a Redis node's cluster bus, a broker's controller listener),
 * starting at a random place so concurrent runs rarely try the same ones.
 */
export async function freePorts(count: number, { from, to, step = 1, companions = [] }: { from: number; to: number; step?: number; companions?: number[] }): Promise<number[]> {
  const ports: number[] = [];
  let candidate = from + step * Math.floor((Math.random() * (to - from)) / step);
  while (ports.length < count) {
    candidate += step;
    if (candidate + Math.max(0, ...companions) >= to) candidate = from;
    const all = [candidate, ...companions.map((offset) => candidate + offset)];
    if ((await Promise.all(all.map(portFree))).every(Boolean)) ports.push(candidate);
  }
  return ports;
}
