def clip(x):
    return max(0.0, min(1.0, x))
