// Carries the precompiled LibTorch header that the core libraries reuse.
