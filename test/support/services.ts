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
