import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * A Float32Array view of a tensor on the wasm heap, for kernels written as
 * JS loops. Take views after the kernel's last allocation: growing the heap
 * replaces its buffer and leaves older views detached or stale.
 */
export function heapF32(backend: BackendWasm, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}
