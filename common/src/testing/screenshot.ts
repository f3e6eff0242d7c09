import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';

/**
 * A page as a real browser draws it: Debian's headless chromium takes a screenshot (scripts and
 * images loaded), returned as decoded RGBA pixels.
 */
export async function screenshot(
  url: string,
  size = { width: 1000, height: 800 },
): Promise<{ width: number; height: number; data: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'medfed-shot-'));
  const file = join(dir, 'page.png');
  try {
    await promisify(execFile)(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--hide-scrollbars',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--window-size=${size.width},${size.height}`,
        '--virtual-time-budget=5000',
        `--screenshot=${file}`,
        url,
      ],
      { timeout: 60_000 },
    );
    const png = PNG.sync.read(await readFile(file));
    return { width: png.width, height: png.height, data: png.data };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How many pixels match a colour test. */
export function countPixels(
  image: { data: Buffer },
  test: (r: number, g: number, b: number) => boolean,
): number {
  let n = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (test(image.data[i]!, image.data[i + 1]!, image.data[i + 2]!)) n++;
  }
  return n;
}
