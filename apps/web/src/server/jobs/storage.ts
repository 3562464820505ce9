// Uploaded files live under generated names in one directory; a name never comes from the client.
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile, readFile } from "node:fs/promises";
import path from "node:path";

export class UploadStore {
  constructor(private readonly dir: string) {}

  /** Writes atomically (temp file, then rename), so a crash never leaves half a file under a real key. */
  async put(bytes: Buffer): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const key = randomUUID();
    const tmp = path.join(this.dir, `.${key}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, this.pathOf(key));
    return key;
  }

  async get(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key));
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (!/^[0-9a-f-]{36}$/.test(key)) throw new Error(`bad storage key ${key}`);
    return path.join(this.dir, key);
  }
}
