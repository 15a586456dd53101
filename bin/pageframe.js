#!/usr/bin/env node
// The `pageframe` command: runs the compiled CLI (dist/, built by `npm run build`, which
// `npm install` runs in a checkout; the published package ships it built).
const main = new URL('../dist/src/cli/main.js', import.meta.url);
try {
  await import(main.href);
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(main.pathname)) {
    process.stderr.write('pageframe: the command is not built yet: run `npm run build` (or `npm install`)\n');
    process.exit(2);
  }
  throw error;
}
