// Builds the images without a container runtime: debootstrap makes a Debian root filesystem from
// Debian's packages, then buildah copies it and the staged app into an image from scratch, sets
// user, entrypoint and environment, and commits. No RUN step anywhere, so no runtime is needed
// (podman/crun cannot run containers on this kind of machine; see README, Deploy on Kubernetes).
//   deploy/containers/stage.sh && tsx deploy/containers/build.ts [control-plane gpu-agent cpu-agent] [--tag 0.1.0]
// Needs root (or buildah unshare) and `apt-get install buildah debootstrap`.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { IMAGES, type TImage, type TImageName } from "./images.ts";

export const SUITE = "bookworm";
export const MIRROR = "http://deb.debian.org/debian";

/** debootstrap's command for a root filesystem with these packages. */
export function debootstrapCommand(packages: string[], dir: string): string[] {
  return ["debootstrap", "--variant=minbase", ...(packages.length ? [`--include=${[...packages].sort().join(",")}`] : []), SUITE, dir, MIRROR];
}

/** buildah's commands, in order, for one image from a prepared root filesystem and staging directory. */
export function buildahCommands(name: TImageName, image: TImage, o: { rootfs: string; stage: string; empty: string; tag: string }): string[][] {
  const ctr = `headroom-build-${name}`;
  const [uid, gid] = image.user.split(":");
  return [
    ["buildah", "from", "--name", ctr, "scratch"],
    ["buildah", "copy", ctr, `${o.rootfs}/`, "/"],
    ...image.copy.map(([from, to]) => ["buildah", "copy", ctr, path.join(o.stage, from), to]),
    // The directories the process writes, owned by its user (an empty directory copied with --chown).
    ...image.writable.filter((d) => d !== "/tmp").map((d) => ["buildah", "copy", "--chown", `${uid}:${gid}`, ctr, o.empty, d]),
    [
      "buildah", "config",
      "--user", image.user,
      "--workingdir", image.workdir,
      "--entrypoint", JSON.stringify(image.entrypoint),
      "--cmd", JSON.stringify(image.cmd),
      ...Object.entries(image.env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
      "--label", `org.opencontainers.image.title=headroom-${name}`,
      "--label", "org.opencontainers.image.source=https://github.com/headroom/headroom",
      ctr,
    ],
    ["buildah", "commit", "--rm", ctr, `headroom/${name}:${o.tag}`],
  ];
}

/** The root filesystem for a package set, made once and reused by every image with the same set. */
function rootfsFor(packages: string[], workDir: string): string {
  const dir = path.join(workDir, `rootfs-${[...packages].sort().join("+") || "minbase"}`);
  if (existsSync(path.join(dir, "etc/os-release"))) return dir;
  rmSync(dir, { recursive: true, force: true });
  run(debootstrapCommand(packages, dir));
  // What an image does not need: package lists and caches, documentation, man pages.
  for (const p of ["var/lib/apt/lists", "var/cache/apt", "usr/share/doc", "usr/share/man", "usr/share/info", "var/log"]) {
    rmSync(path.join(dir, p), { recursive: true, force: true });
    mkdirSync(path.join(dir, p), { recursive: true });
  }
  appendFileSync(path.join(dir, "etc/passwd"), "headroom:x:10001:10001:Headroom:/app:/usr/sbin/nologin\n");
  appendFileSync(path.join(dir, "etc/group"), "headroom:x:10001:\n");
  return dir;
}

function run(argv: string[]): void {
  console.log(`$ ${argv.map((a) => (/[\s"[\]]/.test(a) ? `'${a}'` : a)).join(" ")}`);
  execFileSync(argv[0]!, argv.slice(1), { stdio: "inherit" });
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { tag: { type: "string", default: "0.1.0" }, "rootfs-only": { type: "boolean", default: false } }, allowPositionals: true });
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const stage = path.join(root, ".image-stage");
  const workDir = path.join(root, ".image-build");
  mkdirSync(workDir, { recursive: true });
  if (values["rootfs-only"]) {
    // The root filesystems alone (the slow, network part), e.g. while stage.sh runs.
    for (const name of (positionals.length ? positionals : Object.keys(IMAGES)) as TImageName[]) console.log(rootfsFor(IMAGES[name].packages, workDir));
    return;
  }
  if (!existsSync(path.join(stage, "node"))) throw new Error(`${stage} is empty: run deploy/containers/stage.sh first`);
  const empty = mkdtempSync(path.join(os.tmpdir(), "headroom-empty-"));
  const names = (positionals.length ? positionals : Object.keys(IMAGES)) as TImageName[];
  for (const name of names) {
    const image = IMAGES[name];
    if (!image) throw new Error(`no image ${name}; images: ${Object.keys(IMAGES).join(", ")}`);
    const t0 = Date.now();
    const rootfs = rootfsFor(image.packages, workDir);
    for (const argv of buildahCommands(name, image, { rootfs, stage, empty, tag: values.tag! })) run(argv);
    console.log(`built headroom/${name}:${values.tag} in ${Math.round((Date.now() - t0) / 1000)} s`);
  }
  rmSync(empty, { recursive: true, force: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
