// Renders a kustomize overlay with `kubectl kustomize` (offline: it reads only these files) and
// validates every object against the Kubernetes API schemas of kubernetes-models, plus the
// Prometheus Operator's. Used by manifests.test.ts; kinds without a published schema are named.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const KUSTOMIZE_DIR = path.dirname(fileURLToPath(import.meta.url));
export const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
export const kubectlPresent = existsSync(KUBECTL);

export type TObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Checked by the schema; tests read what they need through the types below. */
  spec?: unknown;
  data?: Record<string, string>;
};

type TEnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } };
export type TContainer = {
  name: string;
  args?: string[];
  env?: TEnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: unknown;
};
export type TPodSpec = { containers: TContainer[]; securityContext?: { runAsNonRoot?: boolean }; terminationGracePeriodSeconds?: number };
export type TWorkload = TObject & { spec: { replicas?: number; selector?: { matchLabels: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> }; spec: TPodSpec } } };

export const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "Job"]);
export const isWorkload = (o: TObject): o is TWorkload => WORKLOAD_KINDS.has(o.kind);

export function render(dir: string): TObject[] {
  const out = execFileSync(KUBECTL, ["kustomize", path.join(KUSTOMIZE_DIR, dir)], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(out).map((d) => unwrapSecretData(d.toJS() as TObject));
}

/**
 * kustomize folds a long Secret value's base64 over several lines; the API server's decoder skips the
 * line breaks, the schema's "byte" format does not. Joined here so the schema checks the value itself.
 */
function unwrapSecretData(o: TObject): TObject {
  if (o.kind !== "Secret" || !o.data) return o;
  return { ...o, data: Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, v.replace(/\s+/g, "")])) };
}

/** The kubernetes-models module that holds a group/version's classes. */
function modelModule(apiVersion: string): string | null {
  if (apiVersion === "monitoring.coreos.com/v1") return "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
  // Core ("v1") and the built-in groups; CRDs from other operators have no models here.
  if (apiVersion === "v1" || /^(apps|batch|policy|autoscaling|networking\.k8s\.io|rbac\.authorization\.k8s\.io)\/v\d+$/.test(apiVersion)) return `kubernetes-models/${apiVersion}`;
  return null;
}

/** Kinds that render but have no schema to check against here (the test lists what it skipped). */
export const UNCHECKED_KINDS = new Set(["postgresql.cnpg.io/v1 Cluster"]);

/** Throws the schema's complaint for an invalid object; returns false for a kind without a schema. */
export async function validate(o: TObject): Promise<boolean> {
  const mod = modelModule(o.apiVersion);
  if (mod === null) {
    if (UNCHECKED_KINDS.has(`${o.apiVersion} ${o.kind}`)) return false;
    throw new Error(`${o.apiVersion} ${o.kind} ${o.metadata.name}: no schema for this kind, and it is not in UNCHECKED_KINDS`);
  }
  const models = (await import(mod)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[o.kind];
  if (!Model) throw new Error(`${o.apiVersion} has no kind ${o.kind}`);
  try {
    new Model(o).validate();
  } catch (err) {
    throw new Error(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`);
  }
  return true;
}
