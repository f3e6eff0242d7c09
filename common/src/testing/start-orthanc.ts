import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/**
 * A real PACS for tests: Debian's Orthanc with its DICOMweb plugin (packages orthanc and
 * orthanc-dicomweb, installed by scripts/test.sh), on a free loopback port with a generated
 * configuration and throw-away storage. `load` stores files through Orthanc's REST API.
 */
export async function startOrthanc(): Promise<{
  readonly dicomweb: string;
  load(files: readonly string[]): Promise<void>;
  close(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'medfed-orthanc-'));
  const port = await freePort();
  const config = {
    Name: 'medfed-test',
    StorageDirectory: join(dir, 'db'),
    IndexDirectory: join(dir, 'db'),
    HttpPort: port,
    HttpBindAddress: '127.0.0.1',
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    Plugins: ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so'],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
  };
  await writeFile(join(dir, 'orthanc.json'), JSON.stringify(config));
  const child = spawn('Orthanc', [join(dir, 'orthanc.json')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited (${child.exitCode}): ${stderr}`);
    const ok = await fetch(`${base}/system`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`Orthanc did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dicomweb: `${base}/dicom-web`,
    async load(files) {
      for (const file of files) {
        const response = await fetch(`${base}/instances`, {
          method: 'POST',
          body: await readFile(file),
        });
        if (!response.ok) throw new Error(`Orthanc refused ${file}: HTTP ${response.status}`);
      }
    },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
