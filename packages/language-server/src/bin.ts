#!/usr/bin/env node
import { main } from './main.js';

const code = main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
if (code !== null) process.exitCode = code;
