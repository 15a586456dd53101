#!/usr/bin/env node
// The `pageframe` command. The project ships TypeScript; tsx compiles it on the fly.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
