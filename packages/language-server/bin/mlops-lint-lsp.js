#!/usr/bin/env node
// The `mlops-lint-lsp` command. It lives outside dist/ so that `npm ci` links it into node_modules/.bin before the
// first build (npm skips bin entries whose file does not exist yet); the server itself is the built dist/bin.js.
await import('../dist/bin.js');
