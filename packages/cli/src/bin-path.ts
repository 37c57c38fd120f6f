import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The swarmkv bin: its `#!` line holds the process's memory settings (node-launch.ts). */
export const BIN = resolve(fileURLToPath(import.meta.url), '../../bin/swarmkv.js')
