#!/usr/bin/env bash
# GPU flavour of scripts/setup-native.sh: @tensorflow/tfjs-node-gpu@4.22.0 on an
# air-gapped Linux x86_64 GPU worker, everything from PyPI and npm.
#
# NOT TESTED ON A GPU. It was written and checked on a machine without one:
# the build of the binding against the GPU wheel and its load on the CPU were
# run (SEAMFLOW_NATIVE_GPU_DRY=1, below), and pip confirmed every pinned CUDA
# wheel exists, but the CUDA wheels were never installed and no GPU op ever
# ran. Run it once on a real GPU worker before relying on it.
#
# What it does (the shared steps are in setup-native.sh):
#   1. pip downloads tensorflow==$SEAMFLOW_TF_VERSION (default 2.15.1, the
#      CUDA-enabled Linux wheel, ~475 MB) and extracts libtensorflow_cc.so.2
#      (C + eager C API), libtensorflow_framework.so.2 and the C headers.
#   2. It reads the wheel's own [and-cuda] pins and installs those nvidia-*
#      wheels with `pip install --no-deps --target .tools/native/cuda-<ver>`
#      (~3 GB). For 2.15.1: nvidia-cublas-cu12==12.2.5.6,
#      nvidia-cuda-cupti-cu12==12.2.142, nvidia-cuda-nvcc-cu12==12.2.140,
#      nvidia-cuda-nvrtc-cu12==12.2.140, nvidia-cuda-runtime-cu12==12.2.140,
#      nvidia-cudnn-cu12==8.9.4.25, nvidia-cufft-cu12==11.0.8.103,
#      nvidia-curand-cu12==10.3.3.141, nvidia-cusolver-cu12==11.5.2.141,
#      nvidia-cusparse-cu12==12.1.2.141, nvidia-nccl-cu12==2.16.5,
#      nvidia-nvjitlink-cu12==12.2.140 (CUDA 12.2, cuDNN 8.9: sm_90, so H100 /
#      H200 too).
#   3. npm installs @tensorflow/tfjs-node-gpu@4.22.0 with --no-save
#      --ignore-scripts; deps/ gets the TF libraries and deps/nvidia -> the
#      CUDA wheels' nvidia/ folder, which is where libtensorflow's own RUNPATH
#      ($ORIGIN/../nvidia/<lib>/lib) looks; node-gyp builds the binding.
#   4. Verification: require('@tensorflow/tfjs-node-gpu'), a matmul, and
#      TensorFlow must see a GPU (backend.isUsingGpuDevice), else it fails,
#      removes the package and the worker stays on the CPU backends.
#
# Why not TensorFlow 2.9.1, the libtensorflow that tfjs-node-gpu 4.22 pins? It
# needs CUDA 11.2 + cuDNN 8.1, which PyPI has no pinned set of, predates
# Hopper (sm_90), and its wheel keeps the C API inside the Python extension.
# The C API the binding uses is the same in 2.15.1, and the CPU build of 2.15.1
# passes tfjs-core's 3,949-spec suite with tfjs-node's ignore list.
#
# The host still needs the NVIDIA driver (libcuda.so.1); it cannot come from
# PyPI. Checked before any download.
#
# usage: scripts/setup-native-gpu.sh [--force] [--remove] [--optional]
# environment: as setup-native.sh (SEAMFLOW_NATIVE_TARGET_DIR,
#   SEAMFLOW_TF_VERSION: 2.14+ for the [and-cuda] pins), plus
#   SEAMFLOW_NATIVE_GPU_DRY=1  build-only check without a GPU: no driver check,
#                              no CUDA wheels (pins printed), no GPU assertion;
#                              the package is removed again afterwards.
set -euo pipefail
export SEAMFLOW_NATIVE_FLAVOR=gpu
exec bash "$(dirname "${BASH_SOURCE[0]}")/setup-native.sh" "$@"
