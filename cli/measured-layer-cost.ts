import { measureLayerCost, type LayerCost } from '../engine/eval/layer-cost.js';

/** One line on what the probe found, for the CLI. */
export function describeLayerCost(c: LayerCost): string {
  return `fixed cost of a layer on ${c.backend}: ${(c.macs / 1e6).toFixed(2)}M MACs per image (${c.narrowMs.toFixed(3)} ms per narrow layer, ${c.wideMs.toFixed(3)} ms per wide one, ${c.msPerMmac.toFixed(3)} ms per MMAC/image)`;
}

/** The latency penalty's layer cost measured on the active backend, announced on stderr (stdout may be JSON). */
export async function measuredLayerCost(): Promise<number> {
  const c = await measureLayerCost();
  console.error(`layer cost: ${describeLayerCost(c)}`);
  return c.macs;
}
