import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { parseAllDocuments } from 'yaml';

export const k8sRoot = fileURLToPath(new URL('../k8s/', import.meta.url));

/**
 * The models of the kinds infra/k8s uses, from `kubernetes-models`: each validates an object
 * against the Kubernetes OpenAPI schema of its kind (types, enums, required fields).
 */
const models = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
} as const;

type Models = typeof models;
export type KindKey = keyof Models;
export type K8sObject<K extends KindKey = KindKey> = InstanceType<Models[K]>;

export interface LoadedObject {
  file: string;
  kind: KindKey;
  object: K8sObject;
}

/** The resource files kustomization.yaml lists, in its order. */
export function kustomizationResources(): string[] {
  const [document] = parseAllDocuments(readFileSync(join(k8sRoot, 'kustomization.yaml'), 'utf8'));
  return (document!.toJS() as { resources: string[] }).resources;
}

/** Every object in the listed files, built into its model; an unknown kind is an error. */
export function loadObjects(): LoadedObject[] {
  return kustomizationResources().flatMap((file) =>
    parseAllDocuments(readFileSync(join(k8sRoot, file), 'utf8')).map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
      const raw = document.toJS() as { apiVersion: string; kind: string };
      const kind = `${raw.apiVersion}/${raw.kind}`;
      if (!(kind in models)) throw new Error(`${file}: no model for ${kind}; add it to infra/test/k8s-objects.ts`);
      const Model = models[kind as KindKey] as new (data: unknown) => K8sObject;
      return { file, kind: kind as KindKey, object: new Model(raw) };
    }),
  );
}

export function objectsOf<K extends KindKey>(objects: LoadedObject[], kind: K): K8sObject<K>[] {
  return objects.filter((loaded) => loaded.kind === kind).map((loaded) => loaded.object as K8sObject<K>);
}
