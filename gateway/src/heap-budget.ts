/**
 * The gateway's V8 heap budget in MiB (GATEWAY_HEAP_MIB), given to Node as `--max-old-space-size`
 * wherever a gateway process is started: docker/Dockerfile, the demo, the benchmark.
 *
 * Why: V8 grows the heap between full collections by a factor it derives from the heap limit,
 * 1.3–2× for limits under 2 GiB, up to 4× above. Node's default limit on a server is large (a
 * quarter of the memory, up to 4 GiB), so under load a gateway whose live heap is ~70 MB let its
 * heap reach ~400 MB before collecting (peak RSS ~480 MB, bench:gateway, 50 connections). With a
 * 1 GiB budget the same load peaks under 300 MB at the same throughput, and 1 GiB still leaves
 * room for large answers. Set it to about three quarters of the container's memory limit.
 */
export const DEFAULT_GATEWAY_HEAP_MIB = 1024;

/** Node's command-line flags for a gateway process, from GATEWAY_HEAP_MIB (validated). */
export function gatewayNodeFlags(env: Readonly<Record<string, string | undefined>>): string[] {
  const raw = env['GATEWAY_HEAP_MIB'];
  const mib = raw === undefined || raw === '' ? DEFAULT_GATEWAY_HEAP_MIB : Number(raw);
  if (!Number.isInteger(mib) || mib < 128) {
    throw new Error(`GATEWAY_HEAP_MIB must be a whole number of MiB, at least 128 (got "${raw}")`);
  }
  return [`--max-old-space-size=${mib}`];
}
