import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, type ModuleImports, reachable } from '../support/imports.js';

const src = fileURLToPath(new URL('../../src', import.meta.url));
const graph = importGraph(src);
const library = (path: string): boolean => !path.startsWith('local/');
const isAwsClient = (spec: string): boolean => spec.startsWith('@aws-sdk/client-');

/**
 * Known cycle inside the emulator (its area, not the library's): recorded here so a new one fails the
 * build while this one waits for its owner. Remove the entry when it is broken.
 */
const KNOWN_EMULATOR_CYCLES = [['local/core/context.ts', 'local/core/emulator.ts', 'local/core/service.ts']];

describe('import graph of src/ (type-only imports included)', () => {
  it('sees the modules and their imports', () => {
    expect(graph.get('probe.ts')?.local).toContain('context.ts');
    expect(graph.get('listeners/kinesis.ts')?.packages).toContain('@aws-sdk/client-kinesis');
  });

  it('the library has no import cycle', () => {
    expect(importCycles(graph).filter((cycle) => cycle.some(library))).toEqual([]);
  });

  it('the emulator has no import cycle but the known one', () => {
    expect(importCycles(graph).filter((cycle) => !cycle.some(library))).toEqual(KNOWN_EMULATOR_CYCLES);
  });

  it('wait/ reaches no AWS client, directly or through what it imports', () => {
    const wait = [...graph.keys()].filter((path) => path.startsWith('wait/'));
    expect(wait.length).toBeGreaterThan(0);
    const offending = [...reachable(graph, wait)].filter((path) =>
      (graph.get(path) as ModuleImports).packages.some(isAwsClient),
    );
    expect(offending).toEqual([]);
  });

  it('context.ts and validate.ts import nothing above them', () => {
    for (const low of ['context.ts', 'validate.ts']) {
      const above = [...reachable(graph, [low])].filter(
        (path) =>
          path !== low &&
          !['config.ts', 'errors.ts', 'validate.ts'].includes(path) &&
          !path.startsWith('resources/'),
      );
      expect(above, low).toEqual([]);
    }
    expect(graph.get('validate.ts')?.local).toEqual(['errors.ts']);
  });

  it('listeners never import cleanup/, and the library (but the CLI that starts it) never imports the emulator', () => {
    for (const [path, imports] of graph) {
      if (path.startsWith('listeners/')) {
        expect(
          imports.local.filter((p) => p.startsWith('cleanup/')),
          path,
        ).toEqual([]);
      }
      if (library(path) && path !== 'cli.ts')
        expect(
          imports.local.filter((p) => p.startsWith('local/')),
          path,
        ).toEqual([]);
    }
  });

  it('the emulator’s protocols know no service: their hints come from the service definitions', () => {
    const protocols = [...graph.keys()].filter((path) => path.startsWith('local/protocols/'));
    expect(protocols.length).toBeGreaterThan(0);
    for (const path of protocols) {
      expect(
        (graph.get(path) as ModuleImports).local.filter((p) => p.startsWith('local/services/')),
        path,
      ).toEqual([]);
    }
  });
});

describe('the check itself', () => {
  const node = (local: string[]): ModuleImports => ({ local, packages: [] });

  it('finds cycles of any length, and self-imports', () => {
    const g = new Map([
      ['a.ts', node(['b.ts'])],
      ['b.ts', node(['c.ts'])],
      ['c.ts', node(['a.ts', 'missing.ts'])],
      ['d.ts', node(['d.ts'])],
      ['e.ts', node(['a.ts'])],
    ]);
    expect(importCycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
    expect([...reachable(g, ['e.ts'])].sort()).toEqual(['a.ts', 'b.ts', 'c.ts', 'e.ts', 'missing.ts']);
  });

  it('a graph without cycles has none', () => {
    expect(
      importCycles(
        new Map([
          ['a.ts', node(['b.ts'])],
          ['b.ts', node([])],
        ]),
      ),
    ).toEqual([]);
  });
});
