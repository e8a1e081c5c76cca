import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commonEnv } from '@backstop/config';
import { topicName, type TopicRole } from '@backstop/contracts';
import { alertedMetrics } from '@backstop/metrics';
import { ConsoleConfig } from '../../services/console/src/config';
import { DetectorConfig } from '../../services/detector/src/config';
import { IngestConfig } from '../../services/ingest/src/config';
import { RefundWorkerConfig } from '../../services/refund-worker/src/config';
import { SERVICES, type ServiceName } from '../dev/service-process';
import { backstopTopics } from '../kafka/topics';
import { k8sRoot, kustomizationResources, loadObjects, objectsOf, type K8sObject } from './k8s-objects';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Each service's configuration schema, and where it serves /healthz and /readyz. */
const services: Record<ServiceName, { schema: z.ZodObject; host: string; port: string; consumes?: { role: TopicRole; group: string } }> = {
  ingest: { schema: IngestConfig, host: 'INGEST_HOST', port: 'INGEST_PORT' },
  detector: { schema: DetectorConfig, host: 'DETECTOR_METRICS_HOST', port: 'DETECTOR_METRICS_PORT', consumes: { role: 'paymentEvents', group: 'DETECTOR_GROUP_ID' } },
  'refund-worker': { schema: RefundWorkerConfig, host: 'REFUND_WORKER_METRICS_HOST', port: 'REFUND_WORKER_METRICS_PORT', consumes: { role: 'flags', group: 'REFUND_WORKER_GROUP_ID' } },
  console: { schema: ConsoleConfig, host: 'CONSOLE_HOST', port: 'CONSOLE_PORT' },
};

type Container = NonNullable<NonNullable<K8sObject<'apps/v1/Deployment'>['spec']>['template']['spec']>['containers'][number];

describe('infra/k8s', () => {
  const objects = loadObjects();
  const configMaps = new Map(objectsOf(objects, 'v1/ConfigMap').map((map) => [map.metadata!.name!, map.data ?? {}]));
  const secrets = new Map(objectsOf(objects, 'v1/Secret').map((secret) => [secret.metadata!.name!, secret.stringData ?? {}]));
  const deployments = objectsOf(objects, 'apps/v1/Deployment');

  /** The environment a container gets: its ConfigMaps and Secrets (envFrom), then its own `env`. */
  function environmentOf(container: Container): Record<string, string> {
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef) Object.assign(env, configMaps.get(source.configMapRef.name!));
      if (source.secretRef) Object.assign(env, secrets.get(source.secretRef.name!));
    }
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef ?? variable.valueFrom?.configMapKeyRef;
      env[variable.name] = ref ? (secrets.get(ref.name!) ?? configMaps.get(ref.name!))![ref.key]! : variable.value!;
    }
    return env;
  }

  function serviceOf(container: Container): ServiceName {
    const entry = /^services\/([a-z-]+)\/src\/index\.ts$/.exec(container.command?.at(-1) ?? '')?.[1];
    expect(SERVICES, `${container.name} runs a service's index.ts`).toContain(entry);
    return entry as ServiceName;
  }

  it('lists every manifest in kustomization.yaml, and each object is valid against the Kubernetes schema of its kind', () => {
    const onDisk = readdirSync(k8sRoot).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
    expect(kustomizationResources().sort()).toEqual(onDisk.sort());
    expect(objects.length).toBeGreaterThan(10);
    for (const { file, kind, object } of objects) {
      expect(() => object.validate(), `${file}: ${kind} ${object.metadata?.name}`).not.toThrow();
    }
  });

  it('runs each of the four services once, from an entry point that exists', () => {
    expect(deployments.map((deployment) => serviceOf(deployment.spec!.template.spec!.containers[0]!)).sort()).toEqual([...SERVICES].sort());
    for (const job of objectsOf(objects, 'batch/v1/Job')) {
      for (const container of job.spec!.template.spec!.containers) expect(existsSync(join(repoRoot, container.command!.at(-1)!)), container.name).toBe(true);
    }
  });

  describe.each(deployments.map((deployment) => [deployment.metadata!.name!, deployment] as const))('%s', (name, deployment) => {
    const pod = deployment.spec!.template;
    const container = pod.spec!.containers[0]!;
    const service = serviceOf(container);
    const { schema, host, port, consumes } = services[service];
    const env = environmentOf(container);
    const config = schema.parse(env) as Record<string, unknown>;

    it('names only settings its configuration schema knows, and they parse', () => {
      const known = Object.keys(schema.shape);
      expect(Object.keys(env).filter((variable) => !known.includes(variable))).toEqual([]);
    });

    it('probes /readyz and /healthz on the port the service listens on, reachable from outside the pod', () => {
      expect(config[host]).toBe('0.0.0.0');
      const ports = new Map((container.ports ?? []).map((entry) => [entry.name, entry.containerPort]));
      expect([...ports.values()]).toEqual([config[port]]);
      for (const [probe, path] of [[container.readinessProbe, '/readyz'], [container.livenessProbe, '/healthz']] as const) {
        expect(probe?.httpGet?.path).toBe(path);
        const probed = probe!.httpGet!.port;
        expect(typeof probed === 'string' ? ports.get(probed) : probed).toBe(config[port]);
      }
      expect(Number(pod.metadata?.annotations?.['prometheus.io/port'])).toBe(config[port]);
    });

    it('gives the service longer than its own shutdown bound, after any preStop pause', () => {
      const preStopMs = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
      expect(pod.spec!.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(preStopMs + (config.SHUTDOWN_TIMEOUT_MS as number));
    });

    it('requests and limits CPU and memory', () => {
      for (const bound of [container.resources?.requests, container.resources?.limits]) {
        expect(bound?.cpu).toBeDefined();
        expect(bound?.memory).toBeDefined();
      }
    });

    it('has a disruption budget and an autoscaler for exactly these pods', () => {
      const labels = pod.metadata!.labels!;
      expect(deployment.spec!.selector.matchLabels).toEqual(labels);
      const budgets = objectsOf(objects, 'policy/v1/PodDisruptionBudget').filter((budget) => JSON.stringify(budget.spec!.selector!.matchLabels) === JSON.stringify(labels));
      expect(budgets).toHaveLength(1);
      const scalers = objectsOf(objects, 'autoscaling/v2/HorizontalPodAutoscaler').filter((scaler) => scaler.spec!.scaleTargetRef.name === name);
      expect(scalers).toHaveLength(1);
      for (const entry of objectsOf(objects, 'v1/Service').filter((candidate) => JSON.stringify(candidate.spec!.selector) === JSON.stringify(labels))) {
        for (const servicePort of entry.spec!.ports!) expect(container.ports!.map((p) => p.name)).toContain(servicePort.targetPort);
      }
    });

    if (consumes) {
      it('scales on its own group\'s consumer lag, never past the partitions it consumes', () => {
        const scaler = objectsOf(objects, 'autoscaling/v2/HorizontalPodAutoscaler').find((candidate) => candidate.spec!.scaleTargetRef.name === name)!;
        const external = scaler.spec!.metrics!.map((metric) => metric.external).find(Boolean)!;
        expect(external.metric.name).toBe(alertedMetrics.consumerLag);
        expect(external.metric.selector?.matchLabels?.group).toBe(`${config.KAFKA_TOPIC_PREFIX as string}${config[consumes.group] as string}`);
        const topic = backstopTopics().find((spec) => spec.topic === topicName(consumes.role))!;
        expect(scaler.spec!.maxReplicas).toBeLessThanOrEqual(topic.numPartitions);
      });
    }
  });

  it('keeps passwords and connection strings in the Secret, never in a ConfigMap', () => {
    const secretLike = /PASSWORD|SECRET|_URL$/;
    for (const [map, data] of configMaps) expect(Object.keys(data).filter((key) => secretLike.test(key)), map).toEqual([]);
    const secretKeys = [...secrets.values()].flatMap((data) => Object.keys(data));
    expect(secretKeys).toEqual(expect.arrayContaining(['KAFKA_SASL_PASSWORD', 'DATABASE_URL', 'REDIS_URL']));
    // The shared settings alone form a valid configuration of every service.
    expect(Object.keys(z.object(commonEnv).shape)).toEqual(expect.arrayContaining(secretKeys));
  });
});
