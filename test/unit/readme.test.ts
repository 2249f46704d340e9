/**
 * The README's TypeScript examples are code: every ```ts block typechecks against the source (as
 * `eventprobe`, `eventprobe/vitest`, `eventprobe/local`, with the project's strict options), and
 * the blocks marked `<!-- readme-test: run -->` run. Any other `<!-- readme-test: ... -->` comment
 * right before a block holds declarations the example assumes (e.g. the system under test).
 */
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
// One folder per process: CI runs the suite on two Node versions at once in the same checkout.
const scratch = join(repo, 'test/.readme', String(process.pid));

interface Snippet {
  readonly line: number;
  readonly code: string;
  readonly run: boolean;
  readonly prelude: string;
}

/** Every ```ts block of the README with the directive comment before it, if any. */
const extractSnippets = (markdown: string): Snippet[] => {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```ts') continue;
    const directive = /^<!--\s*readme-test:\s*(.*?)\s*-->$/.exec(lines[i - 1]?.trim() ?? '')?.[1] ?? '';
    const end = lines.indexOf('```', i + 1);
    snippets.push({
      line: i + 1,
      code: lines.slice(i + 1, end).join('\n'),
      run: directive === 'run',
      prelude: directive === 'run' ? '' : directive,
    });
    i = end;
  }
  return snippets;
};

const readme = await readFile(join(repo, 'README.md'), 'utf8');
const snippets = extractSnippets(readme);
const fileOf = (snippet: Snippet) => join(scratch, `readme-line-${snippet.line}.ts`);
/** The snippet as a module: its prelude (declarations) on the first line, so line numbers stay close. */
const sourceOf = (snippet: Snippet) =>
  `${snippet.prelude}${snippet.prelude ? '\n' : ''}${snippet.code}\nexport {};\n`;

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await rmdir(dirname(scratch)).catch(() => undefined); // still in use by another run: that one removes it
});

describe('README examples', () => {
  it('has TypeScript examples, some of them runnable', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(2);
    expect(snippets.some((s) => s.run)).toBe(true);
    expect(extractSnippets('<!-- readme-test: run -->\n```ts\nx\n```\n```ts\ny\n```')).toEqual([
      { line: 2, code: 'x', run: true, prelude: '' },
      { line: 5, code: 'y', run: false, prelude: '' },
    ]);
  });

  it('typecheck against the source with the project’s strict options', () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(repo, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    const options = { ...config?.options, noEmit: true };
    const files = new Map(snippets.map((s) => [fileOf(s), sourceOf(s)]));
    const host = ts.createCompilerHost(options);
    const { fileExists, readFile: read, getSourceFile } = host;
    host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
    host.readFile = (f) => files.get(f) ?? read.call(host, f);
    host.getSourceFile = (f, language, ...rest) => {
      const text = files.get(f);
      return text === undefined
        ? getSourceFile.call(host, f, language, ...rest)
        : ts.createSourceFile(f, text, language);
    };
    const program = ts.createProgram([...files.keys()], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.has(d.file.fileName))
      .map((d) => {
        const { line } = d.file?.getLineAndCharacterOfPosition(d.start ?? 0) ?? { line: 0 };
        const snippet = snippets.find((s) => fileOf(s) === d.file?.fileName) as Snippet;
        return `README.md:${snippet.line + line - (snippet.prelude ? 1 : 0)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  }, 120_000);

  for (const snippet of snippets.filter((s) => s.run)) {
    it(`runs the example at README.md:${snippet.line}`, async () => {
      // As a user's file: `eventprobe*` imports point at the source, as the package's exports would.
      const file = fileOf(snippet);
      const toSrc = (sub: string) => relative(dirname(file), join(repo, 'src', sub)).replaceAll('\\', '/');
      const code = sourceOf(snippet)
        .replaceAll("'eventprobe/local'", `'${toSrc('local/index.js')}'`)
        .replaceAll("'eventprobe/vitest'", `'${toSrc('vitest.js')}'`)
        .replaceAll("'eventprobe'", `'${toSrc('index.js')}'`);
      await mkdir(scratch, { recursive: true });
      await writeFile(file, code);
      await expect(import(pathToFileURL(file).href)).resolves.toBeDefined();
    }, 60_000);
  }
});
