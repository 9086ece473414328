#!/usr/bin/env node
// Launches the TypeScript entry point; needs Node 24 (type stripping), which `npm run` and `npx` put first on PATH.
import '../src/coffer.ts'
