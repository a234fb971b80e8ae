/**
 * Shared fixture for the CA tests: a real hierarchy (root + constrained intermediate + epoch leaf keys)
 * generated once per test file, a scratch directory, and a runner for the openssl CLI.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSealer, type Sealer } from "../../src/secrets/sealer.js";
import { CaAuthority, createIntermediate, createRoot, generateLeafKeys, openLeafKeys, type GeneratedCa } from "../../src/ca/authority/index.js";
import { FileKeyIssuer } from "../../src/ca/issuers/file-key.js";
import { epochOf, type LeafKeySet, type LeafMinter } from "../../src/ca/leaf.js";
import { toPem } from "../../src/ca/x509.js";

export const PROTECTED_CATEGORY_NAMES = new Set(["bank.example.com", "clinic.example.org"]);
export const isProtected = (name: string): boolean => PROTECTED_CATEGORY_NAMES.has(name);

export interface Hierarchy {
  sealer: Sealer;
  now: Date;
  root: GeneratedCa;
  intermediate: GeneratedCa;
  /** The intermediate's issuer as the gateway gets it: opened from the sealed record. */
  issuer: FileKeyIssuer;
  keys: LeafKeySet;
  authority: CaAuthority;
  minter: LeafMinter;
}

export async function makeHierarchy(opts: { rootAlgorithm?: "ecdsa-p256" | "ecdsa-p384" | "rsa-3072"; now?: Date } = {}): Promise<Hierarchy> {
  const sealer = createSealer(randomBytes(32));
  const now = opts.now ?? new Date();
  const root = await createRoot(sealer, { now, ...(opts.rootAlgorithm ? { algorithm: opts.rootAlgorithm } : {}) });
  const intermediate = await createIntermediate(sealer, root, { now });
  const issuer = FileKeyIssuer.open(sealer, intermediate.record.id, intermediate.record.sealedKey);
  const keys = openLeafKeys(sealer, generateLeafKeys(sealer, epochOf(now.getTime()), 86_400, now));
  const authority = new CaAuthority({ isProtected });
  const minter = authority.leafMinter({ issuer, certificate: intermediate.record.der }, keys);
  return { sealer, now, root, intermediate, issuer, keys, authority, minter };
}

export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), "qaqpa-ca-"));
  write(name: string, body: string | Buffer): string {
    const p = join(this.dir, name);
    writeFileSync(p, body);
    return p;
  }
  pem(name: string, der: Buffer): string {
    return this.write(name, toPem(der));
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function run(cmd: string, args: readonly string[], input?: string): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...(input !== undefined ? { input } : {}) });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export const openssl = (...args: string[]): { status: number; out: string } => run("openssl", args);
