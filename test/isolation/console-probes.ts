import { backtestProbes } from './console-backtest-probes';
import { readProbes } from './console-read-probes';
import type { RouteProbe } from './console-sweep';
import { payerProbes } from './console-payer-probes';
import { writeProbes } from './console-write-probes';

/** Where a new console route gets its probe; named in the sweep's failure message. */
export const consoleProbeTable = 'test/isolation/console-read-probes.ts, console-write-probes.ts, console-payer-probes.ts or console-backtest-probes.ts';

/** Every console route, `METHOD url` as registered, with how to prove it keeps tenants apart. */
export const consoleProbes: Readonly<Record<string, RouteProbe>> = { ...readProbes, ...writeProbes, ...payerProbes, ...backtestProbes };
