#!/usr/bin/env node
// Copies the browser builds of the pinned GraphiQL packages into web/static/graphiql and
// writes manifest.json (package versions, each file's sha256), which tests/test_explorer_assets.py
// checks the served files against. The one command that refreshes the explorer's assets:
//
//   make graphiql        (npm ci --prefix tools/graphiql && node tools/graphiql/build.mjs)
//
// To move to a new version: change the pin in package.json, `npm install --package-lock-only`,
// then `make graphiql` and commit package*.json together with web/static/graphiql.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, 'node_modules');
const target = join(here, '..', '..', 'web', 'static', 'graphiql');

// Served name -> [package, path inside the package]. Licenses travel with the code.
const FILES = {
  'react.production.min.js': ['react', 'umd/react.production.min.js'],
  'react-dom.production.min.js': ['react-dom', 'umd/react-dom.production.min.js'],
  'graphiql.min.js': ['graphiql', 'graphiql.min.js'],
  'graphiql.min.css': ['graphiql', 'graphiql.min.css'],
  'plugin-explorer.umd.js': ['@graphiql/plugin-explorer', 'dist/index.umd.js'],
  'plugin-explorer.css': ['@graphiql/plugin-explorer', 'dist/style.css'],
  'LICENSE.react.txt': ['react', 'LICENSE'],
  'LICENSE.graphiql.txt': ['graphiql', 'LICENSE'],
};

const version = (pkg) =>
  JSON.parse(readFileSync(join(modules, pkg, 'package.json'), 'utf8')).version;

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
const manifest = { packages: {}, files: {} };
for (const [name, [pkg, path]] of Object.entries(FILES)) {
  const bytes = readFileSync(join(modules, pkg, path));
  writeFileSync(join(target, name), bytes);
  manifest.packages[pkg] = version(pkg);
  manifest.files[name] = {
    source: `${pkg}@${version(pkg)}/${path}`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
writeFileSync(join(target, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`${readdirSync(target).length - 1} files written to web/static/graphiql`);
