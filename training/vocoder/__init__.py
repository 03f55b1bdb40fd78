"""libopus 1.6.1's neural vocoder stack in Python: the native build (ctypes) and a PyTorch FARGAN."""
