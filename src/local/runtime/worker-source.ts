/**
 * The bootstrap each function instance runs in its own `worker_threads` Worker (evaluated as a
 * CommonJS script, so it works the same from the TypeScript sources and from `dist/`).
 *
 * It loads the handler as AWS's Node.js runtime does (`.js`, `.mjs`, `.cjs` in that order; a
 * `.js` file is ESM when the nearest package.json says `"type": "module"`), lets the handler's
 * code import `@aws-sdk/*` from eventprobe's own dependencies when its directory has none (as
 * the runtime provides the SDK), routes `console.*` to the invocation's log, and answers
 * `invoke` messages one at a time.
 *
 * Messages in:  { type: 'invoke', id, event, context, traceId }
 * Messages out: { type: 'ready', initMs } | { type: 'init-error', error }
 *             | { type: 'log', id, level, text, time } | { type: 'result', id, payload?, error?, heapMb }
 */
export const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const Module = require('node:module');
const { pathToFileURL } = require('node:url');
const v8 = require('node:v8');

const { taskRoot, handler, sdkParent } = workerData;
let current;

// --- @aws-sdk/* from eventprobe's dependencies when the code does not bring its own --------
const SDK = /^@aws-sdk\//;
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  try {
    return originalResolve.call(this, request, parent, isMain, options);
  } catch (err) {
    if (!SDK.test(request)) throw err;
    return require('node:module').createRequire(sdkParent).resolve(request);
  }
};
if (typeof Module.register === 'function') {
  const hook =
    'export async function resolve(specifier, context, next) {' +
    '  try { return await next(specifier, context); } catch (err) {' +
    '    if (!' + SDK.toString() + '.test(specifier)) throw err;' +
    '    return next(specifier, { ...context, parentURL: ' + JSON.stringify(pathToFileURL(sdkParent).href) + ' });' +
    '  }' +
    '}';
  Module.register('data:text/javascript,' + encodeURIComponent(hook));
}

// --- console → the invocation's log ---------------------------------------------------------
const emit = (level, args) => {
  parentPort.postMessage({ type: 'log', id: current, level, text: util.format(...args), time: Date.now() });
};
console.log = (...a) => emit('INFO', a);
console.info = (...a) => emit('INFO', a);
console.warn = (...a) => emit('WARN', a);
console.error = (...a) => emit('ERROR', a);
console.debug = (...a) => emit('DEBUG', a);
console.trace = (...a) => emit('TRACE', a);
const rawWrite = (chunk) => {
  const text = String(chunk).replace(/\n$/, '');
  if (text !== '') parentPort.postMessage({ type: 'log', id: current, level: undefined, text, time: Date.now() });
  return true;
};
process.stdout.write = rawWrite;
process.stderr.write = rawWrite;

// --- errors as the runtime reports them -----------------------------------------------------
const toError = (err, fallbackType) => {
  if (err instanceof Error) {
    return {
      errorType: fallbackType ?? err.name ?? 'Error',
      errorMessage: err.message,
      trace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
    };
  }
  if (typeof err === 'object' && err !== null) {
    return { errorType: fallbackType ?? 'object', errorMessage: JSON.stringify(err), trace: [] };
  }
  return { errorType: fallbackType ?? typeof err, errorMessage: String(err), trace: [] };
};

class RuntimeError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

// --- handler loading as AWS's Node.js runtime resolves it -----------------------------------
const isEsmJs = (file) => {
  let dir = path.dirname(file);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        return JSON.parse(fs.readFileSync(pkg, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
};

const loadModule = async (modulePath) => {
  const base = path.resolve(taskRoot, modulePath);
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const file = base + ext;
    if (!fs.existsSync(file)) continue;
    if (ext === '.mjs' || (ext === '.js' && isEsmJs(file))) return import(pathToFileURL(file).href);
    return Module.createRequire(file)(file);
  }
  try {
    return Module.createRequire(path.join(taskRoot, 'index.js'))(base);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      throw new RuntimeError('Runtime.ImportModuleError', "Error: Cannot find module '" + modulePath + "'");
    }
    throw err;
  }
};

const loadHandler = async () => {
  const slash = handler.lastIndexOf('/');
  const dir = handler.slice(0, slash + 1);
  const rest = handler.slice(slash + 1);
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1) {
    throw new RuntimeError('Runtime.MalformedHandlerName', "Bad handler " + handler);
  }
  let mod;
  try {
    mod = await loadModule(dir + rest.slice(0, dot));
  } catch (err) {
    if (err instanceof RuntimeError) throw err;
    if (err instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', String(err));
    throw err;
  }
  let fn = mod;
  for (const key of rest.slice(dot + 1).split('.')) fn = fn == null ? undefined : fn[key];
  if (fn === undefined && mod && mod.default) {
    fn = mod.default;
    for (const key of rest.slice(dot + 1).split('.')) fn = fn == null ? undefined : fn[key];
  }
  if (typeof fn !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', handler + ' is undefined or not exported');
  }
  return fn;
};

// --- invocations ------------------------------------------------------------------------------
const run = (fn, event, context) =>
  new Promise((resolve, reject) => {
    let settled = false;
    const done = (err, value) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(value);
    };
    context.done = done;
    context.succeed = (value) => done(null, value);
    context.fail = (err) => done(err ?? new Error('handled'));
    try {
      const out = fn(event, context, done);
      if (out && typeof out.then === 'function') out.then((v) => done(null, v), (e) => done(e ?? new Error('null')));
      else if (fn.length < 3) done(null, out);
    } catch (err) {
      done(err);
    }
  });

const invoke = async (fn, msg) => {
  current = msg.id;
  if (msg.traceId) process.env._X_AMZN_TRACE_ID = msg.traceId;
  else delete process.env._X_AMZN_TRACE_ID;
  const c = msg.context;
  const context = {
    ...c,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, c.deadline - Date.now()),
  };
  delete context.deadline;
  const reply = { type: 'result', id: msg.id };
  try {
    const value = await run(fn, msg.event, context);
    reply.payload = value === undefined ? 'null' : JSON.stringify(value);
  } catch (err) {
    reply.error = toError(err);
  }
  reply.heapMb = Math.ceil(v8.getHeapStatistics().used_heap_size / 1048576);
  parentPort.postMessage(reply);
};

process.on('unhandledRejection', (reason) => {
  const error = { ...toError(reason, 'Runtime.UnhandledPromiseRejection'), errorMessage: String(reason) };
  parentPort.postMessage({ type: 'crash', id: current, error });
});
process.on('uncaughtException', (err) => {
  parentPort.postMessage({ type: 'crash', id: current, error: toError(err) });
});

const start = Date.now();
loadHandler().then(
  (fn) => {
    parentPort.on('message', (msg) => {
      if (msg.type === 'invoke') invoke(fn, msg);
    });
    parentPort.postMessage({ type: 'ready', initMs: Date.now() - start });
  },
  (err) => parentPort.postMessage({ type: 'init-error', error: toError(err) }),
);
`;
