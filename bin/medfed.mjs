#!/usr/bin/env node
// The `medfed` command: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../cli/src/main.ts');
