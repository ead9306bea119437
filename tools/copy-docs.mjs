#!/usr/bin/env node
// Copies docs/rules/*.md next to the CLI build so `mlops-lint explain` works from an installed package.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'packages/cli/rules-docs');
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(join(root, 'docs/rules'), target, { recursive: true });
