import { startServiceProcess, type ServiceName, type ServiceProcess } from '../../infra/dev/service-process';
import type { IsolatedStack } from './stack';

/** Starts real service processes inside a test's isolated stack and waits until they are ready. */
export async function startServices(stack: IsolatedStack, names: readonly ServiceName[], env: Record<string, string> = {}): Promise<ServiceProcess[]> {
  const services = names.map((name) => startServiceProcess(name, { ...stack.env, ...env }));
  await Promise.all(services.map((service) => service.ready));
  return services;
}

export async function stopServices(services: ServiceProcess[]): Promise<void> {
  await Promise.all(services.map((service) => service.stop('SIGTERM')));
}
