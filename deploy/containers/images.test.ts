// Building an image takes minutes (debootstrap, a Next build), too slow for the suite, so this checks
// the declared layout: each Containerfile says what images.ts says, build.ts's buildah commands set
// the same user, entrypoint, command and environment, stage.sh makes every bundle the images need,
// and the Kubernetes manifests start only files the images hold. A built image is checked by
// check-image.ts (README, Deploy on Kubernetes).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildahCommands, debootstrapCommand } from "./build";
import { IMAGE_USER, IMAGES, REQUIRED_FILES, type TImageName } from "./images";

const here = path.dirname(fileURLToPath(import.meta.url));
const NAMES = Object.keys(IMAGES) as TImageName[];

type TContainerfile = { from: string; packages: string[]; copy: [string, string, string | null][]; env: Record<string, string>; user: string; workdir: string; entrypoint: string[]; cmd: string[] };

/** The few instructions our Containerfiles use, continuation lines joined. */
function parseContainerfile(text: string): TContainerfile {
  const out: TContainerfile = { from: "", packages: [], copy: [], env: {}, user: "", workdir: "", entrypoint: [], cmd: [] };
  const lines = text.replace(/\\\n/g, " ").split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  for (const line of lines) {
    const [op, ...rest] = line.trim().split(/\s+/);
    const arg = rest.join(" ");
    if (op === "FROM") out.from = arg;
    else if (op === "RUN") out.packages = /--no-install-recommends ([^&]+)&&/.exec(arg)?.[1]!.trim().split(/\s+/) ?? [];
    else if (op === "COPY") {
      const chown = /^--chown=(\S+)\s+/.exec(arg);
      const [from, to] = arg.replace(/^--chown=\S+\s+/, "").split(/\s+/);
      out.copy.push([from!, to!, chown?.[1] ?? null]);
    } else if (op === "ENV") {
      const [k, ...v] = arg.split("=");
      out.env[k!] = v.join("=");
    } else if (op === "USER") out.user = arg;
    else if (op === "WORKDIR") out.workdir = arg;
    else if (op === "ENTRYPOINT") out.entrypoint = JSON.parse(arg) as string[];
    else if (op === "CMD") out.cmd = JSON.parse(arg) as string[];
    else throw new Error(`unexpected instruction ${op}`);
  }
  return out;
}

describe.each(NAMES)("image %s", (name) => {
  const image = IMAGES[name];
  const cf = parseContainerfile(readFileSync(path.join(here, `${name}.Containerfile`), "utf8"));

  it("runs as the non-root user, with node as its entrypoint", () => {
    expect(image.user).toBe(IMAGE_USER);
    expect(image.user.startsWith("0:")).toBe(false);
    expect(image.entrypoint).toEqual(["/usr/local/bin/node"]);
  });

  it("its Containerfile says what images.ts says", () => {
    expect(cf.from).toBe("debian:bookworm-slim");
    expect([...cf.packages].sort()).toEqual([...image.packages].sort());
    expect(cf.copy.filter(([, , chown]) => chown === null).map(([f, t]) => [f, t])).toEqual(image.copy);
    expect(cf.copy.filter(([, , chown]) => chown !== null).map(([, t, c]) => [t, c])).toEqual(image.writable.filter((d) => d !== "/tmp").map((d) => [d, image.user]));
    expect(cf.env).toEqual(image.env);
    expect(cf.user).toBe(image.user);
    expect(cf.workdir).toBe(image.workdir);
    expect(cf.entrypoint).toEqual(image.entrypoint);
    expect(cf.cmd).toEqual(image.cmd);
  });

  it("build.ts commits it with the same configuration, from scratch, without a RUN step", () => {
    const cmds = buildahCommands(name, image, { rootfs: "/r", stage: "/s", empty: "/e", tag: "t" });
    expect(cmds[0]).toEqual(["buildah", "from", "--name", `headroom-build-${name}`, "scratch"]);
    expect(cmds.every((c) => c[0] === "buildah" && ["from", "copy", "config", "commit"].includes(c[1]!))).toBe(true);
    const config = cmds.find((c) => c[1] === "config")!;
    const flag = (f: string) => config.flatMap((a, i) => (a === f ? [config[i + 1]!] : []));
    expect(flag("--user")).toEqual([image.user]);
    expect(flag("--workingdir")).toEqual([image.workdir]);
    expect(flag("--entrypoint").map((j) => JSON.parse(j) as string[])).toEqual([image.entrypoint]);
    expect(flag("--cmd").map((j) => JSON.parse(j) as string[])).toEqual([image.cmd]);
    expect(flag("--env")).toEqual(Object.entries(image.env).map(([k, v]) => `${k}=${v}`));
    expect(cmds.at(-1)).toEqual(["buildah", "commit", "--rm", `headroom-build-${name}`, `headroom/${name}:t`]);
    for (const [from, to] of image.copy) expect(cmds).toContainEqual(["buildah", "copy", `headroom-build-${name}`, `/s/${from}`, to]);
    expect(debootstrapCommand(image.packages, "/r")).toEqual(["debootstrap", "--variant=minbase", `--include=${[...image.packages].sort().join(",")}`, "bookworm", "/r", "http://deb.debian.org/debian"]);
  });

  it("stage.sh makes every bundle the image must hold", () => {
    const stage = readFileSync(path.join(here, "stage.sh"), "utf8");
    for (const f of REQUIRED_FILES[name]) {
      const bundle = /^\/app\/bin\/([a-z-]+)\.mjs$/.exec(f)?.[1];
      if (bundle) expect(stage, f).toMatch(new RegExp(`\\b${bundle}=\\S+\\.ts`));
    }
    expect(REQUIRED_FILES[name]).toContain(image.cmd[0]);
  });
});

it("the Kubernetes manifests start only entry points their image holds", () => {
  const k8s = (f: string) => readFileSync(path.join(here, "../kubernetes/base", f), "utf8");
  const argsOf = (text: string) => [...text.matchAll(/args: \["([^"]+)"\]/g)].map((m) => m[1]!);
  for (const f of ["control-plane.yaml", "scheduler.yaml", "migrate-job.yaml"]) {
    expect(k8s(f)).toMatch(/image: headroom\/control-plane\n/);
    for (const a of argsOf(k8s(f))) expect(REQUIRED_FILES["control-plane"], `${f}: ${a}`).toContain(a);
  }
  expect(k8s("gpu-agents.yaml")).toMatch(/image: headroom\/gpu-agent\n/);
  expect(k8s("cpu-agents.yaml")).toMatch(/image: headroom\/cpu-agent\n/);
});
