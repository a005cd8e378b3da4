def _load_pyfunc(path):
    raise NotImplementedError(path)
