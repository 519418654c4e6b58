import type { ScenarioLog } from '../../../test/e2e/scenarios/scenario.js';

const tty = process.stdout.isTTY === true;
const paint = (code: string) => (text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
export const green = paint('32');
export const red = paint('31');
export const dim = paint('2');
export const bold = paint('1');

/** The demo's output: steps, lines, and a progress line during every wait longer than a second. */
export class ConsoleLog implements ScenarioLog {
  private progressShown = false;

  step(title: string): void {
    this.clearProgress();
    console.log(`\n${bold('▸')} ${bold(title)}`);
  }

  info(line: string): void {
    this.clearProgress();
    console.log(`  ${line}`);
  }

  ok(line: string, startedAt?: number): void {
    this.info(`${green('✓')} ${line}${startedAt === undefined ? '' : ` ${dim(`(${((Date.now() - startedAt) / 1000).toFixed(1)} s)`)}`}`);
  }

  fail(line: string): void {
    this.info(`${red('✗')} ${line}`);
  }

  /** On a terminal the line is rewritten in place; in a log (CI) one line per second of waiting. */
  waiting(what: string, elapsedMs: number): void {
    const line = `  ${dim(`… waiting for ${what} (${Math.round(elapsedMs / 1000)} s)`)}`;
    if (tty) {
      process.stdout.write(`\r\x1b[2K${line}`);
      this.progressShown = true;
    } else {
      console.log(line);
    }
  }

  private clearProgress(): void {
    if (!this.progressShown) return;
    process.stdout.write('\r\x1b[2K');
    this.progressShown = false;
  }
}
