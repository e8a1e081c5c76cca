import { startServiceProcess, type ServiceName, type ServiceProcess } from '../../infra/dev/service-process';
import type { IsolatedStack } from './stack';

/** Starts real service processes inside a test's isolated stack and waits until they are ready. */
export async function startServices(stack: IsolatedStack, names: readonly ServiceName[], env: Record<string, string> = {}): Promise<ServiceProcess[]> {
  const services = names.map((name) => startServiceProcess(name, { ...stack.env, ...env }));
  const started = await Promise.allSettled(services.map((service) => service.ready));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    // The caller never receives these processes, so its afterAll cannot stop them: stopped
    // here, the ones that did start would otherwise outlive the test run.
    await stopServices(services);
    throw failed.reason;
  }
  return services;
}

export async function stopServices(services: ServiceProcess[]): Promise<void> {
  await Promise.all(services.map((service) => service.stop('SIGTERM')));
}

/** How much of a service's warnings a failure's message may carry. */
const DISTINCT_WARNINGS_SHOWN = 15;
const NEWEST_WARNINGS_SHOWN = 3;
const WARNING_CHARS = 400;

/**
 * What the services warned about or failed at: for each service, every distinct message
 * with how often it came (a broker outage repeats one connection error hundreds of times,
 * which would drown the one line that matters), then its newest few lines in full. The
 * evidence of a failed fault test, saying which consumer stalled and on what.
 */
export function serviceWarnings(services: readonly ServiceProcess[]): string {
  return services
    .map((service) => {
      const warnings = service.lines.map(warningOf).filter((warning) => warning !== undefined);
      const counts = new Map<string, number>();
      for (const { message } of warnings) counts.set(message, (counts.get(message) ?? 0) + 1);
      const distinct = [...counts].slice(0, DISTINCT_WARNINGS_SHOWN).map(([message, count]) => `  ${count} × ${message.slice(0, WARNING_CHARS)}`);
      const newest = warnings.slice(-NEWEST_WARNINGS_SHOWN).map(({ line }) => `  newest: ${line.slice(0, WARNING_CHARS)}`);
      return [`${service.name} (pid ${service.child.pid}): ${warnings.length} warnings and errors, ${counts.size} distinct`, ...distinct, ...newest].join('\n');
    })
    .join('\n');
}

/** A log line at warning level or worse, with what it says; lines that are not log records (a stack trace) count too. */
function warningOf(line: string): { line: string; message: string } | undefined {
  if (line.trim() === '') return undefined;
  let record: { level?: number; msg?: string; err?: unknown };
  try {
    record = JSON.parse(line) as typeof record;
  } catch {
    return { line, message: line };
  }
  if ((record.level ?? 0) < 40) return undefined;
  const err = typeof record.err === 'string' ? record.err : (record.err as { message?: string } | undefined)?.message;
  return { line, message: `${record.msg ?? ''}${err ? ` (${err})` : ''}` };
}
