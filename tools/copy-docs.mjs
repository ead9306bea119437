#!/usr/bin/env node
// Post-build step of the CLI: copies docs/rules/*.md next to the build so `mlops-lint explain` works from an
// installed package, and marks the bin executable (npm links it before the build creates it).
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'packages/cli/rules-docs');
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(join(root, 'docs/rules'), target, { recursive: true });

const bin = join(root, 'packages/cli/dist/bin.js');
if (existsSync(bin)) chmodSync(bin, 0o755);
