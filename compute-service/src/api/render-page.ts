import type { JobView } from './job-view.js';

/** One unit's results as the viewer needs them. */
export interface RenderUnit {
  readonly id: string;
  readonly state: string;
  readonly images: number;
  readonly error?: string;
  readonly filesUrl: string;
  readonly files: readonly string[];
  readonly stages: Readonly<Record<string, unknown>>;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The render page: per unit a slice stack (slider) with the label overlay on top (toggle and
 * opacity), the measurements or prediction beside it, and links to the DICOM SEG and JSON files.
 * Plain HTML with a few lines of script; `?overlay=0`, `?opacity=0.5`, `?slice=N` set the initial
 * state (links can be shared). Until the job ends it reloads itself every few seconds.
 */
export function renderPage(
  job: JobView,
  units: readonly RenderUnit[],
  query: Record<string, string | undefined>,
): string {
  const overlayOn = query['overlay'] !== '0';
  const opacity = Math.min(1, Math.max(0, Number(query['opacity'] ?? '0.6') || 0));
  const running = job.status === 'QUEUED' || job.status === 'RUNNING';
  const sections = units.map((unit) => {
    const slices = unit.files.filter((f) => f.startsWith('slices/')).sort();
    const overlays = new Set(unit.files.filter((f) => f.startsWith('overlays/')));
    const measurements = unit.stages['postprocess'] as
      | {
          totals?: { name: string; volumeMm3: number; voxels: number }[];
          components?: number;
          focusSlice?: number;
        }
      | undefined;
    const prediction = unit.stages['classify'] as
      | {
          predicted: string;
          riskScore: number;
          riskBand: string;
          probabilities: Record<string, number>;
        }
      | undefined;
    const centroidSlice = (() => {
      const requested = Number(query['slice']);
      if (Number.isInteger(requested) && requested >= 0 && requested < slices.length)
        return requested;
      const focus = measurements?.focusSlice;
      return focus !== undefined && focus < slices.length ? focus : Math.floor(slices.length / 2);
    })();
    const fileLinks = unit.files
      .filter((f) => !f.startsWith('slices/') && !f.startsWith('overlays/'))
      .map((f) => `<li><a href="${escape(`${unit.filesUrl}/${f}`)}">${escape(f)}</a></li>`)
      .join('');
    const facts = measurements?.totals
      ? `<table><tr><th>label</th><th>voxels</th><th>volume (mm³)</th></tr>${measurements.totals
          .map(
            (t) =>
              `<tr><td>${escape(t.name)}</td><td>${t.voxels}</td><td>${t.volumeMm3.toFixed(1)}</td></tr>`,
          )
          .join('')}</table><p>${measurements.components ?? 0} connected component(s)</p>`
      : prediction
        ? `<table><tr><th>predicted</th><td>${escape(prediction.predicted)}</td></tr><tr><th>risk score</th><td>${prediction.riskScore}</td></tr><tr><th>risk band</th><td>${escape(prediction.riskBand)}</td></tr>${Object.entries(
            prediction.probabilities,
          )
            .map(([label, p]) => `<tr><th>p(${escape(label)})</th><td>${p.toFixed(3)}</td></tr>`)
            .join('')}</table>`
        : '';
    const stack = slices.length
      ? `<div class="stack" data-files="${escape(unit.filesUrl)}" data-slices='${escape(JSON.stringify(slices))}'>
          <img class="base" alt="slice" src="${escape(`${unit.filesUrl}/${slices[centroidSlice]}`)}">
          <img class="overlay" alt="overlay" src="${escape(`${unit.filesUrl}/${slices[centroidSlice]!.replace('slices/', 'overlays/')}`)}"
               style="opacity:${overlayOn ? opacity : 0}" ${overlays.size ? '' : 'hidden'}>
        </div>
        <div class="controls">
          <label>slice <input type="range" class="slice" min="0" max="${slices.length - 1}" value="${centroidSlice}"> <span class="n">${centroidSlice + 1}</span>/${slices.length}</label>
          ${
            overlays.size
              ? `<label><input type="checkbox" class="toggle" ${overlayOn ? 'checked' : ''}> overlay</label>
          <label>opacity <input type="range" class="opacity" min="0" max="1" step="0.05" value="${opacity}"></label>`
              : ''
          }
        </div>`
      : '<p>no images yet</p>';
    return `<section id="unit-${escape(unit.id)}">
      <h2>${escape(unit.id)} <small>${unit.images} image(s) · ${escape(unit.state)}</small></h2>
      ${unit.error ? `<p class="error">${escape(unit.error)}</p>` : ''}
      <div class="unit"><div>${stack}</div><div class="facts">${facts}<ul>${fileLinks}</ul></div></div>
    </section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>medfed job ${escape(job.id)}</title>
${running ? '<meta http-equiv="refresh" content="3">' : ''}
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem; background: #111; color: #eee; }
  a { color: #8cf; } table { border-collapse: collapse; } td, th { padding: .2rem .6rem; text-align: left; }
  .unit { display: flex; gap: 1.5rem; flex-wrap: wrap; }
  .stack { position: relative; width: 384px; height: 384px; background: #000; }
  .stack img { position: absolute; inset: 0; width: 384px; height: 384px; image-rendering: pixelated; }
  .error { color: #f88; } small { color: #aaa; font-weight: normal; }
</style></head>
<body>
<h1>${escape(job.pipeline_tag)} ${escape(job.pipeline_version)} · <span id="status">${escape(job.status)}</span></h1>
<p>model ${escape(job.model.name)} ${escape(job.model.version)} · ${job.progress.units.succeeded}/${job.progress.units.total} unit(s) done, ${job.progress.units.failed} failed · <a href="${escape(job.jobs)}">job</a> · <a href="${escape(job.results)}">results</a></p>
${job.error ? `<p class="error">${escape(job.error)}</p>` : ''}
${sections.join('\n')}
<script>
for (const section of document.querySelectorAll('section')) {
  const stack = section.querySelector('.stack');
  if (!stack) continue;
  const slices = JSON.parse(stack.dataset.slices);
  const base = stack.querySelector('.base');
  const overlay = stack.querySelector('.overlay');
  const toggle = section.querySelector('.toggle');
  const opacity = section.querySelector('.opacity');
  const apply = () => { overlay.style.opacity = toggle && toggle.checked ? opacity.value : 0; };
  section.querySelector('.slice').addEventListener('input', (e) => {
    const file = slices[Number(e.target.value)];
    base.src = stack.dataset.files + '/' + file;
    overlay.src = stack.dataset.files + '/' + file.replace('slices/', 'overlays/');
    section.querySelector('.n').textContent = Number(e.target.value) + 1;
  });
  if (toggle) { toggle.addEventListener('change', apply); opacity.addEventListener('input', apply); }
}
</script>
</body></html>`;
}
