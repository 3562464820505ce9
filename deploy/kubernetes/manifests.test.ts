// Every overlay renders with `kubectl kustomize` and every object passes the Kubernetes schemas;
// then the promises the README makes about the manifests, checked on what actually renders.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isWorkload, KUBECTL, KUSTOMIZE_DIR, kubectlPresent, render, validate, type TObject, type TWorkload } from "./render";

const OVERLAYS = ["overlays/dev", "overlays/production"] as const;
const byKind = (objs: TObject[], kind: string) => objs.filter((o) => o.kind === kind);
const named = <T extends TObject>(objs: TObject[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o as T;
};
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.skipIf(!kubectlPresent)(`kustomize overlays (${KUBECTL})`, () => {
  const rendered = new Map(OVERLAYS.map((o) => [o, render(o)]));

  it.each(OVERLAYS)("%s: every object passes its schema", async (overlay) => {
    const objs = rendered.get(overlay)!;
    expect(objs.length).toBeGreaterThan(10);
    const unchecked: string[] = [];
    for (const o of objs) if (!(await validate(o))) unchecked.push(`${o.kind}/${o.metadata.name}`);
    // Only the CloudNativePG Cluster has no schema here; anything else new must have one.
    expect(unchecked).toEqual(overlay === "overlays/production" ? ["Cluster/headroom-db"] : []);
  });

  it("the validator does catch a broken object", async () => {
    const web = structuredClone(named<TWorkload>(rendered.get("overlays/dev")!, "Deployment", "headroom-web"));
    (web.spec.template.spec.containers[0] as unknown as { ports: unknown }).ports = [{ containerPort: "http" }];
    await expect(validate(web)).rejects.toThrow(/containerPort must be integer/);
  });

  it.each(OVERLAYS)("%s: pods run as non-root on a read-only root, with requests and memory limits", (overlay) => {
    for (const w of rendered.get(overlay)!.filter(isWorkload)) {
      const pod = w.spec.template.spec;
      expect(pod.securityContext?.runAsNonRoot, w.metadata.name).toBe(true);
      for (const c of pod.containers) {
        expect(c.securityContext?.readOnlyRootFilesystem, `${w.metadata.name}/${c.name}`).toBe(true);
        expect(c.securityContext?.allowPrivilegeEscalation, `${w.metadata.name}/${c.name}`).toBe(false);
        expect(c.resources?.requests?.cpu, `${w.metadata.name}/${c.name}`).toBeDefined();
        expect(c.resources?.requests?.memory, `${w.metadata.name}/${c.name}`).toBeDefined();
        expect(c.resources?.limits?.memory, `${w.metadata.name}/${c.name}`).toBeDefined();
      }
    }
  });

  it.each(OVERLAYS)("%s: every PodDisruptionBudget and Service selects a workload's pods", (overlay) => {
    const objs = rendered.get(overlay)!;
    const pods = objs.filter(isWorkload).map((w) => w.spec.template.metadata?.labels ?? {});
    for (const pdb of byKind(objs, "PodDisruptionBudget")) {
      const sel = (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      expect(pods.some((l) => matches(sel, l)), pdb.metadata.name).toBe(true);
    }
    for (const svc of byKind(objs, "Service")) {
      const sel = (svc.spec as { selector: Record<string, string> }).selector;
      expect(pods.some((l) => matches(sel, l)), svc.metadata.name).toBe(true);
    }
    expect(byKind(objs, "PodDisruptionBudget").map((p) => p.metadata.name).sort()).toEqual(["headroom-cpu-agent", "headroom-gpu-agent", "headroom-scheduler", "headroom-web"]);
  });

  it("production: 2+ web replicas with readiness on /api/health and liveness; 2 schedulers; one GPU per agent pod", () => {
    const objs = rendered.get("overlays/production")!;
    const web = named<TWorkload>(objs, "Deployment", "headroom-web");
    expect(web.spec.replicas).toBeGreaterThanOrEqual(2);
    const c = web.spec.template.spec.containers[0]!;
    expect(c.readinessProbe?.httpGet?.path).toBe("/api/health");
    expect(c.livenessProbe).toBeDefined();
    expect(named<TWorkload>(objs, "Deployment", "headroom-scheduler").spec.replicas).toBeGreaterThanOrEqual(2);
    const gpu = named<TWorkload>(objs, "StatefulSet", "headroom-gpu-agent").spec.template.spec.containers[0]!;
    expect(gpu.resources?.limits?.["nvidia.com/gpu"]).toBe(1);
    expect(gpu.resources?.requests?.["nvidia.com/gpu"]).toBe(1);
    // The container sees its one GPU as index 0; the agent then runs its runner unmasked.
    expect(gpu.env?.find((e) => e.name === "HEADROOM_GPU_INDEX")?.value).toBe("0");
  });

  it("production: DATABASE_URL comes from CloudNativePG's Secret everywhere it is read", () => {
    const objs = rendered.get("overlays/production")!;
    const readers = objs.filter(isWorkload).flatMap((w) => w.spec.template.spec.containers.flatMap((c) => c.env ?? []).filter((e) => e.name === "DATABASE_URL").map((e) => [w.metadata.name, e.valueFrom?.secretKeyRef] as const));
    expect(readers.map(([n]) => n).sort()).toEqual(["headroom-migrate", "headroom-scheduler", "headroom-web"]);
    for (const [, ref] of readers) expect(ref).toEqual({ name: "headroom-db-app", key: "uri" });
  });

  it.each(OVERLAYS)("%s: every Secret key a pod reads is one the README tells operators to create (or CloudNativePG makes)", (overlay) => {
    const objs = rendered.get(overlay)!;
    const documented = new Set(["DATABASE_URL", "HEADROOM_ENROLL_TOKEN", "HEADROOM_ADMIN_EMAIL", "HEADROOM_ADMIN_PASSWORD", "HEADROOM_API_KEY"]);
    const refs = objs.filter(isWorkload).flatMap((w) => w.spec.template.spec.containers.flatMap((c) => (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : []))));
    for (const r of refs) {
      if (r.name === "headroom-db-app") expect(r.key).toBe("uri");
      else {
        expect(r.name).toBe("headroom-secrets");
        expect(documented.has(r.key), r.key).toBe(true);
      }
    }
    const secret = objs.find((o) => o.kind === "Secret" && o.metadata.name === "headroom-secrets");
    // dev makes its own; production expects it to exist already (from the operator's secret store).
    if (overlay === "overlays/dev") expect(Object.keys(secret?.data ?? {}).sort()).toEqual([...documented].sort());
    else expect(secret).toBeUndefined();
  });

  it.each(OVERLAYS)("%s: agents reach the web replicas' agent port through the Service", (overlay) => {
    const objs = rendered.get(overlay)!;
    const config = named(objs, "ConfigMap", "headroom-config").data!;
    const web = named<TWorkload>(objs, "Deployment", "headroom-web").spec.template.spec.containers[0]! as unknown as { ports: { name: string; containerPort: number }[] };
    const svcPorts = (named(objs, "Service", "headroom-web").spec as { ports: { name: string; port: number; targetPort: string }[] }).ports;
    const control = new URL(config.HEADROOM_CONTROL_URL!);
    expect(control.hostname).toBe("headroom-web");
    const svcPort = svcPorts.find((p) => p.port === Number(control.port))!;
    expect(svcPort, `no Service port ${control.port}`).toBeDefined();
    const target = web.ports.find((p) => p.name === svcPort.targetPort)!;
    expect(target.containerPort).toBe(Number(config.HEADROOM_AGENT_PORT));
  });

  it.each(OVERLAYS)("%s: the Ingress sends the exact path /api/v1/jobs to the web replicas' API port, the rest to Next's", (overlay) => {
    const objs = rendered.get(overlay)!;
    const config = named(objs, "ConfigMap", "headroom-config").data!;
    const web = named<TWorkload>(objs, "Deployment", "headroom-web").spec.template.spec.containers[0]! as unknown as { ports: { name: string; containerPort: number }[] };
    const svcPorts = (named(objs, "Service", "headroom-web").spec as { ports: { name: string; port: number; targetPort: string }[] }).ports;
    type TPath = { path: string; pathType: string; backend: { service: { name: string; port: { name?: string } } } };
    const paths = (named(objs, "Ingress", "headroom-web").spec as { rules: { http: { paths: TPath[] } }[] }).rules[0]!.http.paths;
    const jobs = paths.find((p) => p.path === "/api/v1/jobs")!;
    expect(jobs).toMatchObject({ pathType: "Exact", backend: { service: { name: "headroom-web" } } });
    const svcPort = svcPorts.find((p) => p.name === jobs.backend.service.port.name)!;
    expect(web.ports.find((p) => p.name === svcPort.targetPort)!.containerPort).toBe(Number(config.HEADROOM_API_PORT));
    expect(paths.find((p) => p.path === "/")!.backend.service.port.name).toBe("http");
  });

  it("the alert rules use only metrics that /metrics exports, and the ServiceMonitor scrapes the web Service's port", () => {
    const objs = rendered.get("overlays/production")!;
    const registry = readFileSync(path.join(KUSTOMIZE_DIR, "../../apps/web/src/server/metrics/registry.ts"), "utf8");
    const exported = new Set([...registry.matchAll(/name: "(headroom_[a-z_]+)"/g)].map((m) => m[1]));
    const rule = named(objs, "PrometheusRule", "headroom").spec as { groups: { rules: { alert: string; expr: string }[] }[] };
    const alerts = rule.groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert)).toEqual(expect.arrayContaining(["HeadroomNodeMemoryOverThreshold", "HeadroomNodeLeakTrend", "HeadroomQueueDeep", "HeadroomJobsFailing"]));
    for (const a of alerts) for (const m of a.expr.matchAll(/headroom_[a-z_]+/g)) expect(exported.has(m[0]), `${a.alert}: ${m[0]}`).toBe(true);
    const sm = named(objs, "ServiceMonitor", "headroom-web").spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
    const svc = named(objs, "Service", "headroom-web");
    expect(matches(sm.selector.matchLabels, svc.metadata.labels)).toBe(true);
    expect((svc.spec as { ports: { name: string }[] }).ports.map((p) => p.name)).toContain(sm.endpoints[0]!.port);
    expect(sm.endpoints[0]!.path).toBe("/metrics");
  });
});
