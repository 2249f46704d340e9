'use strict';
// `require('eventprobe')` lands here: eventprobe is an ES module package. Say so, and how to load it.
const error = new Error(
  'eventprobe is ESM-only and cannot be loaded with require(). Use `import { createProbe } from "eventprobe"` ' +
    '(a .mjs/.mts file, or "type": "module" in package.json), or from CommonJS `const { createProbe } = await import("eventprobe")`. ' +
    'Jest users: run Jest with NODE_OPTIONS=--experimental-vm-modules (see the README).',
);
error.code = 'ERR_REQUIRE_ESM';
throw error;
