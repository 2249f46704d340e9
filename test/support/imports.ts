import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One module's imports: relative ones resolved to files under the root, and bare package names. */
export interface ModuleImports {
  readonly local: readonly string[];
  readonly packages: readonly string[];
}

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });

/** Every module specifier of a file: imports and re-exports, type-only ones included, and `import()`. */
const specifiers = (file: string): string[] => {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal;
      if (ts.isStringLiteral(literal)) found.push(literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
};

/** The import graph of every .ts file under `root` (paths relative to `root`, with `/`). */
export const importGraph = (root: string): Map<string, ModuleImports> => {
  const graph = new Map<string, ModuleImports>();
  const name = (path: string): string => relative(root, path).split('\\').join('/');
  for (const file of sourceFiles(root)) {
    const local: string[] = [];
    const packages: string[] = [];
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) local.push(name(resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
      else packages.push(spec);
    }
    graph.set(name(file), { local, packages });
  }
  return graph;
};

/** The import cycles of a graph: its strongly connected components with more than one module (or a self-import). */
export const importCycles = (graph: ReadonlyMap<string, ModuleImports>): string[][] => {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.local ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
      onStack.delete(w);
      component.push(w);
    }
    if (component.length > 1 || graph.get(v)?.local.includes(v)) cycles.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return cycles;
};

/** Every module `from` reaches through its local imports (itself included). */
export const reachable = (
  graph: ReadonlyMap<string, ModuleImports>,
  from: readonly string[],
): Set<string> => {
  const seen = new Set<string>();
  const todo = [...from];
  for (let v = todo.pop(); v !== undefined; v = todo.pop()) {
    if (seen.has(v)) continue;
    seen.add(v);
    todo.push(...(graph.get(v)?.local ?? []));
  }
  return seen;
};
