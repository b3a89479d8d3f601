"""The restoration stages, in the order they run: :mod:`weave`, :mod:`flicker`, :mod:`dust`,
:mod:`scratches`, :mod:`grain`, :mod:`upscale`.

Each is a plain function on tensors and a thin ``torch.nn.Module`` around it (as kornia does),
so the same code runs eagerly on the CPU and compiled by Torch-TensorRT on CUDA. Frames are
``(T, 1, H, W)`` float luma in [0, 1]; per-stage settings are plain floats fixed at
construction, and everything a stage needs from other frames comes in as tensors.
"""
