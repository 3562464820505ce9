// Checks a built image against images.ts: user, entrypoint, command, environment, the files it must
// hold, its writable directories' owner, and that its entry points load (run with chroot, which
// needs no container runtime; each is started without configuration and must say what is missing).
//   tsx deploy/containers/check-image.ts control-plane [--tag 0.1.0]   (root, after build.ts)
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { IMAGES, REQUIRED_FILES, type TImageName } from "./images.ts";

const { values, positionals } = parseArgs({ options: { tag: { type: "string", default: "0.1.0" } }, allowPositionals: true });
const name = positionals[0] as TImageName;
const image = IMAGES[name];
if (!image) throw new Error(`usage: check-image.ts <${Object.keys(IMAGES).join("|")}>`);
const ref = `headroom/${name}:${values.tag}`;
const problems: string[] = [];
const expectEq = (what: string, got: unknown, want: unknown) => {
  if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${what}: ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
};

const cfg = (JSON.parse(execFileSync("buildah", ["inspect", "--type", "image", ref], { encoding: "utf8" })) as { OCIv1: { config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string } } }).OCIv1.config;
expectEq("user", cfg.User, image.user);
expectEq("entrypoint", cfg.Entrypoint, image.entrypoint);
expectEq("cmd", cfg.Cmd, image.cmd);
expectEq("workdir", cfg.WorkingDir, image.workdir);
for (const [k, v] of Object.entries(image.env)) if (!cfg.Env?.includes(`${k}=${v}`)) problems.push(`env ${k}=${v} missing`);

const ctr = execFileSync("buildah", ["from", ref], { encoding: "utf8" }).trim();
try {
  const mnt = execFileSync("buildah", ["mount", ctr], { encoding: "utf8" }).trim();
  for (const f of REQUIRED_FILES[name]) if (!existsSync(path.join(mnt, f))) problems.push(`missing ${f}`);
  for (const d of image.writable.filter((x) => x !== "/tmp")) {
    const st = statSync(path.join(mnt, d));
    if (`${st.uid}:${st.gid}` !== image.user) problems.push(`${d} owned by ${st.uid}:${st.gid}`);
  }
  // The entry points load in the image's own filesystem (its libc, its node_modules).
  const entries = name === "control-plane" ? ["/app/bin/scheduler.mjs", "/app/bin/migrate.mjs"] : ["/app/bin/agent.mjs"];
  for (const e of entries) {
    // In the image's working directory, as a runtime would start it (the runner resolves `tsx` from there).
    const r = spawnSync("chroot", ["--userspec", image.user, mnt, "/usr/bin/env", "-C", image.workdir, ...image.entrypoint, e], { encoding: "utf8", env: { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" }, timeout: 60_000 });
    const said = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}`;
    console.log(`${e}: exit ${r.status}: ${said.trim().split("\n").slice(0, 3).join(" | ")}`);
    if (!/DATABASE_URL|HEADROOM_ENROLL_TOKEN|Invalid configuration/.test(said)) problems.push(`${e} did not load and ask for its configuration`);
  }
  const v = spawnSync("chroot", [mnt, image.entrypoint[0]!, "--version"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" } });
  console.log(`node in the image: ${v.stdout.trim()}`);
} finally {
  execFileSync("buildah", ["umount", ctr]);
  execFileSync("buildah", ["rm", ctr]);
}
if (problems.length) {
  console.error(`${ref}:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`${ref}: user, entrypoint, command, environment, files and entry points as images.ts says`);
