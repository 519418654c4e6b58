import { readFile } from 'node:fs/promises';

/** One ```ts fenced block of a Markdown file. */
export interface ReadmeCodeBlock {
  /** The Markdown file, relative to the repository root. */
  readonly readme: string;
  /** Line of the block's first code line in that file (1-based). */
  readonly line: number;
  readonly code: string;
}

const FENCE = /^```(\S*)\s*$/;

/**
 * Every TypeScript block (```ts / ```typescript) of the Markdown file, in order. Blocks in other
 * languages (bash, text, the diagram) are not code to compile.
 *
 * @example
 * for (const block of await readmeCodeBlocks(root, 'README.md')) console.log(block.line, block.code);
 */
export async function readmeCodeBlocks(root: string, readme: string): Promise<ReadmeCodeBlock[]> {
  const lines = (await readFile(`${root}/${readme}`, 'utf8')).split('\n');
  const blocks: ReadmeCodeBlock[] = [];
  let open: { language: string; line: number; code: string[] } | undefined;
  lines.forEach((text, index) => {
    const fence = FENCE.exec(text);
    if (open === undefined) {
      if (fence) open = { language: fence[1] ?? '', line: index + 2, code: [] };
    } else if (fence && fence[1] === '') {
      if (open.language === 'ts' || open.language === 'typescript') blocks.push({ readme, line: open.line, code: open.code.join('\n') });
      open = undefined;
    } else {
      open.code.push(text);
    }
  });
  return blocks;
}
