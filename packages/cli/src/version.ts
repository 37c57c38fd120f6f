import { readFileSync } from 'node:fs'

/** This build's version: the cli package's (dist/version.js sits beside ../package.json). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
