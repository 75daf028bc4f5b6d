import type { DotKernel, KernelChoice } from './dot-kernel-port';
import { JsDotKernel } from './js-dot-kernel';
import { OrtDotKernel } from './ort-dot-kernel';

// The port lives in ./dot-kernel-port, which the backends implement (no cycle through this factory).
export type { DotKernel, KernelChoice } from './dot-kernel-port';

/**
 * Below this many matrix values per scan (rows × dim), a JS loop beats a round trip into onnxruntime, and results
 * stay bit-identical across CPUs (MLAS picks AVX2/AVX-512 code paths that round differently).
 */
export const AUTO_KERNEL_MIN_VALUES = 1 << 22;

export async function createDotKernel(choice: KernelChoice, values: number): Promise<DotKernel> {
  const useOrt = choice === 'onnxruntime' || (choice === 'auto' && values >= AUTO_KERNEL_MIN_VALUES);
  return useOrt ? OrtDotKernel.create() : new JsDotKernel();
}
